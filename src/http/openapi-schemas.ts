import { canonicalDataType, GROUP_BY_OPTIONS, type DataTypeName } from "../usage/data-types.ts";

// Component schemas of the OpenAPI document (src/http/openapi.ts). The export
// schemas keep the seed API's names and shapes (`export-users-api.txt`); success
// and error bodies add `additionalProperties: false` because the service's
// bodies are exact, so a contract test notices any extra field.

/** A reference to another part of the document. */
export type Ref = { $ref: string };

/** The subset of the OpenAPI 3.0 Schema Object this document uses. */
export type Schema = {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  description?: string;
  enum?: readonly (string | number | boolean)[];
  nullable?: boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  default?: unknown;
  example?: unknown;
  properties?: Record<string, Schema | Ref>;
  required?: readonly string[];
  additionalProperties?: boolean;
  items?: Schema | Ref;
  allOf?: readonly (Schema | Ref)[];
  oneOf?: readonly (Schema | Ref)[];
  anyOf?: readonly (Schema | Ref)[];
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
};

export const schemaRef = (name: string): Ref => ({ $ref: `#/components/schemas/${name}` });

/** How the service reads `from`/`to` (SPEC §5); repeated where clients look for it. */
export const DATE_SEMANTICS = [
  "The `timezone` (an IANA name such as `UTC` or `Europe/Berlin`) decides: the wall-clock part of `date` is read in that zone and any offset or `Z` on it is ignored, so `2024-01-01T00:00:00.000Z` with `Europe/Berlin` means midnight in Berlin.",
  "`date` may also be a plain day (`YYYY-MM-DD`): a plain `from` starts at the first instant of its day and a plain `to` includes its whole day (up to 23:59:59.999 in its zone).",
  "Usage records with from ≤ occurredAt ≤ to count.",
  "Historical data is limited to 12 months: a `from` earlier than the start of the day 12 months ago is refused (400 `from: Historical data is limited to 12 months`), as are a `from` later than `to`, an unknown time zone and a malformed date (each 400 message names the field).",
].join(" ");

const dateInput = (field: "from" | "to", example: string): Schema => ({
  type: "object",
  description: `${field === "from" ? "Start" : "End"} date and timezone for the export`,
  properties: {
    date: {
      type: "string",
      format: "date-time",
      description:
        `${field === "from" ? "Start" : "End"} date in ISO 8601 format. Read as wall-clock time in \`timezone\` ` +
        "(an offset or `Z` is ignored). A plain `YYYY-MM-DD` is accepted too" +
        (field === "to" ? " and includes its whole day." : " and means the start of that day."),
      example,
    },
    timezone: { type: "string", description: "Timezone for the date range (IANA name)", example: "UTC" },
  },
  required: ["date", "timezone"],
});

/** `UsageExportRequest` extended with a `group_by` enum, as the seed does for users. */
const withGroupBy = (options: readonly string[], description: string): Schema => ({
  allOf: [
    schemaRef("UsageExportRequest"),
    {
      type: "object",
      properties: { group_by: { type: "string", description, enum: options } },
    },
  ],
});

const errorSchema: Schema = {
  type: "object",
  description: "Error response from usage export endpoints (every error of the REST API has this shape)",
  properties: {
    error: {
      type: "string",
      description: "Error type: the HTTP status's title, or `No data found` for a period without usage",
      example: "No data found",
    },
    message: {
      type: "string",
      description: "Detailed error message; several problems of one request are joined with `; `",
      example: "No usage data found for the selected period",
    },
  },
  required: ["error", "message"],
  additionalProperties: false,
};

/** POST /ingest's 400 for bad records: the error shape plus the problems listed and the count of the rest. */
const ingestErrorSchema: Schema = {
  ...errorSchema,
  description: "Error response from POST /ingest; a 400 for bad records also lists them (at most 100) and counts the rest",
  properties: {
    ...errorSchema.properties,
    problems: {
      type: "array",
      items: { type: "string" },
      description: "At most the first 100 problems, in body order, each `line N: <field>: <what is wrong>` (`record N: …` for a JSON array)",
    },
    moreProblems: { type: "integer", minimum: 0, description: "How many further problems were found but not listed" },
  },
};

const exportResponse: Schema = {
  type: "object",
  description: "Successful response from usage export endpoints",
  properties: {
    success: { type: "boolean", description: "Indicates if the export was successful", example: true },
    data: {
      type: "object",
      description: "Export data information",
      properties: {
        filePath: {
          type: "string",
          description:
            "Path to the generated export file: `{dataType}-usage/{workspaceId}/{dataType}-usage-{startDate}-{endDate}-{8 hex}.csv`",
          example: "agents-usage/workspace-id/agents-usage-2024-01-01-2024-01-31-abc12345.csv",
        },
        downloadUrl: {
          type: "string",
          format: "uri",
          description:
            "Signed URL to download the export file (`GET /downloads/{filePath}?expires&signature`); it expires after one hour by default and needs no API key",
          example: "https://storage.example.com/signed-url",
        },
        dataType: {
          type: "string",
          description: "Type of data exported (as requested: `/export/assistants` answers `assistants`)",
          enum: ["assistants", "agents", "api_keys", "users", "projects", "models"],
          example: "assistants",
        },
        recordCount: { type: "integer", description: "Number of records in the export", example: 1250 },
        dateRange: {
          type: "object",
          description: "Actual date range of the exported data: the resolved instants, in UTC",
          properties: {
            from: { type: "string", format: "date-time", description: "Start date of the export", example: "2024-01-01T00:00:00.000Z" },
            to: { type: "string", format: "date-time", description: "End date of the export", example: "2024-01-31T23:59:59.999Z" },
          },
          required: ["from", "to"],
          additionalProperties: false,
        },
      },
      required: ["filePath", "downloadUrl", "dataType", "recordCount", "dateRange"],
      additionalProperties: false,
    },
  },
  required: ["success", "data"],
  additionalProperties: false,
};

// ── Ingestion records (SPEC §7) ─────────────────────────────────────────────

const str = (description: string): Schema => ({ type: "string", minLength: 1, description });
const nullableText = (description: string): Schema => ({ type: "string", nullable: true, description });
const instant = (description: string, nullable = false): Schema => ({
  type: "string",
  format: "date-time",
  description: `${description} (ISO 8601 date-time with offset)`,
  ...(nullable ? { nullable: true } : {}),
});
/** Date fields of directory records (SPEC §7): a calendar date, or an instant with its offset. */
const dateOrInstant = (description: string): Schema => ({
  description: `${description}: a calendar date \`YYYY-MM-DD\` (written as given in every export) or an ISO 8601 date-time with an offset (written as its date in the export's time zone)`,
  type: "string",
  nullable: true,
  anyOf: [{ format: "date" }, { format: "date-time" }],
});
/** An entity's lifetime: it exists from `createdAt` (absent: always) until `deletedAt` (absent: still), the end excluded. */
const lifetime = {
  createdAt: dateOrInstant("When the entity was created; absent: it has always existed"),
  deletedAt: dateOrInstant("When the entity was deleted (the date itself excluded); absent: it still exists"),
};
const tokens = (description: string): Schema => ({ type: "integer", minimum: 0, maximum: 2_147_483_647, default: 0, description });
const usd = (description: string): Schema => ({
  description: `${description}: a non-negative number, or its decimal text, with at most 9 decimals and less than 1e11. Defaults to 0.`,
  oneOf: [
    { type: "number", minimum: 0 },
    { type: "string", pattern: "^\\d+(\\.\\d+)?$" },
  ],
});
const typeTag = (type: string): Schema => ({ type: "string", enum: [type], description: "Record type" });
const effectiveAt = instant(
  "When this version of the entity takes effect; defaults to the time the record is received. The first version known of an entity also stands for all earlier times",
  true,
);

/** A directory record: re-sending an id adds a version (attribute history is kept). */
const directoryRecord = (type: string, description: string, fields: Record<string, Schema>): Schema => ({
  type: "object",
  description: `${description} Directory record: re-sending an id records a new version at its \`effectiveAt\`.`,
  properties: { type: typeTag(type), id: str(`${type} id`), effectiveAt, ...fields },
  required: ["type", "id"],
});

const usageFields: Record<string, Schema> = {
  model: str("Model name as used (normalized on ingestion, e.g. `gpt-4o-2024-08-06` → `gpt-4o`)"),
  provider: str("Model provider, e.g. `openai`"),
  source: str("Where the request came from: `WEB`, `MOBILE`, `API`, `SLACK`, …"),
  deploymentId: { ...str("A BYOK deployment of the workspace (sent earlier or in the same request); makes the record BYOK"), nullable: true },
  promptTokens: tokens("Total input tokens"),
  completionTokens: tokens("Output tokens"),
  cachedPromptTokens: tokens("Cache-read input tokens"),
  cacheCreationTokens: tokens("Cache-write input tokens"),
  costUsd: usd("Provider cost in USD"),
  paygCostUsd: usd("Extra-usage (pay-as-you-go) consumption in USD"),
};

/** A usage record: idempotent by id (a re-sent id is counted once, as a duplicate). */
const usageRecord = (type: string, description: string, fields: Record<string, Schema>, required: string[]): Schema => ({
  type: "object",
  description: `${description} Usage record: re-sending an id is a no-op (reported in \`duplicates\`).`,
  properties: { type: typeTag(type), id: str(`${type} id`), occurredAt: instant("When it happened"), ...fields, ...usageFields },
  required: ["type", "id", "occurredAt", ...required, "model", "provider", "source"],
});

const RECORDS: Record<string, Schema> = {
  UserRecord: directoryRecord("user", "A workspace member.", {
    name: nullableText("Display name"),
    email: nullableText("Email address"),
    role: nullableText("Role in the workspace"),
    department: nullableText("Department"),
    companyName: nullableText("Company name"),
    licenseType: nullableText("License tier"),
    paygLimit: { type: "number", minimum: 0, nullable: true, description: "Extra-usage limit" },
    joinedAt: dateOrInstant("When the user joined the workspace"),
    removedAt: dateOrInstant("When the user left the workspace (the date itself excluded)"),
  }),
  AgentRecord: directoryRecord("agent", "An agent (assistant).", {
    name: nullableText("Agent name"),
    description: nullableText("Agent description"),
    url: nullableText("Agent URL"),
    ownerId: nullableText("User id of the owner"),
    ...lifetime,
  }),
  ProjectRecord: directoryRecord("project", "A project.", {
    name: nullableText("Project name"),
    ownerId: nullableText("User id of the owner"),
    ...lifetime,
  }),
  ApiKeyRecord: directoryRecord("api_key", "A platform API key.", { name: nullableText("Key name"), ...lifetime }),
  DeploymentRecord: directoryRecord("deployment", "A BYOK deployment.", {
    name: nullableText("Deployment name (the `deployment` subgroup of the models export)"),
    model: nullableText("Model served"),
    provider: nullableText("Provider"),
    ...lifetime,
  }),
  MessageRecord: usageRecord(
    "message",
    "One chat message (one model request). `agentId` is required when `surface` is `agent`, `projectId` when it is `project`.",
    {
      userId: str("User who sent it"),
      surface: { type: "string", enum: ["chat", "agent", "project"], description: "Where it was sent" },
      agentId: { ...str("Agent messaged (surface `agent`)"), nullable: true },
      projectId: { ...str("Project messaged (surface `project`)"), nullable: true },
      conversationId: { ...str("Conversation id"), nullable: true },
      action: { ...str("Action the message carried: `canvas`, `web_search`, `file_analysis`, `code_execution`, or an integration action such as `Hubspot_create_contact`"), nullable: true },
    },
    ["userId", "surface"],
  ),
  ApiRequestRecord: usageRecord("api_request", "One request made with a platform API key.", { apiKeyId: str("API key used") }, ["apiKeyId"]),
};

const RECORD_TYPES: Record<string, string> = {
  user: "UserRecord",
  agent: "AgentRecord",
  project: "ProjectRecord",
  api_key: "ApiKeyRecord",
  deployment: "DeploymentRecord",
  message: "MessageRecord",
  api_request: "ApiRequestRecord",
};

export const COMPONENT_SCHEMAS: Record<string, Schema> = {
  UsageExportRequest: {
    type: "object",
    description: `Request body for usage export endpoints. ${DATE_SEMANTICS}`,
    properties: {
      from: dateInput("from", "2024-01-01T00:00:00.000Z"),
      to: dateInput("to", "2024-01-31T23:59:59.999Z"),
    },
    required: ["from", "to"],
  },
  UsageExportModelGroupByRequest: withGroupBy(
    GROUP_BY_OPTIONS.users,
    "Optional aggregation dimension. `model`: one row per entity and model (only pairs with activity).",
  ),
  UsageExportModelsGroupByRequest: withGroupBy(
    GROUP_BY_OPTIONS.models,
    "Optional aggregation dimension. `source`: one row per model and source (`WEB`, `MOBILE`, `API`, `SLACK`, …). " +
      "`deployment`: one row per model and BYOK deployment — BYOK workspaces only (400 otherwise).",
  ),
  UsageExportResponse: exportResponse,
  UsageExportError: errorSchema,
  IngestError: ingestErrorSchema,
  IngestRecord: {
    description: "One directory or usage record, told apart by `type`.",
    oneOf: Object.values(RECORD_TYPES).map(schemaRef),
    discriminator: {
      propertyName: "type",
      mapping: Object.fromEntries(Object.entries(RECORD_TYPES).map(([type, name]) => [type, `#/components/schemas/${name}`])),
    },
  },
  ...RECORDS,
  IngestResponse: {
    type: "object",
    description: "Result of an ingestion request",
    properties: {
      accepted: {
        type: "integer",
        minimum: 0,
        description: "Records stored: every directory record plus each usage record not stored before",
        example: 2,
      },
      duplicates: {
        type: "integer",
        minimum: 0,
        description: "Usage records whose id was already stored (or sent earlier in the same request)",
        example: 0,
      },
    },
    required: ["accepted", "duplicates"],
    additionalProperties: false,
  },
  Health: {
    type: "object",
    properties: { ok: { type: "boolean", enum: [true] } },
    required: ["ok"],
    additionalProperties: false,
  },
};

/** Each export path's request schema, from the data type's `group_by` options. */
export function exportRequestSchema(type: DataTypeName): string {
  const options = GROUP_BY_OPTIONS[canonicalDataType(type)].join(",");
  const names: Record<string, string> = {
    "": "UsageExportRequest",
    model: "UsageExportModelGroupByRequest",
    "source,deployment": "UsageExportModelsGroupByRequest",
  };
  const name = names[options];
  if (!name) throw new Error(`openapi: no request schema for the group_by options "${options}" of ${type}`);
  return name;
}
