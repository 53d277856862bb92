import type { Schema } from "./types.ts";

// The records POST /ingest accepts (SPEC §7): one schema per `type`.

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
  deploymentId: {
    ...str("A BYOK deployment of the workspace (sent earlier or in the same request); makes the record BYOK"),
    nullable: true,
  },
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

export const RECORDS: Record<string, Schema> = {
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
      action: {
        ...str(
          "Action the message carried: `canvas`, `web_search`, `file_analysis`, `code_execution`, or an integration action such as `Hubspot_create_contact`",
        ),
        nullable: true,
      },
    },
    ["userId", "surface"],
  ),
  ApiRequestRecord: usageRecord("api_request", "One request made with a platform API key.", { apiKeyId: str("API key used") }, [
    "apiKeyId",
  ]),
};

export const RECORD_TYPES: Record<string, string> = {
  user: "UserRecord",
  agent: "AgentRecord",
  project: "ProjectRecord",
  api_key: "ApiKeyRecord",
  deployment: "DeploymentRecord",
  message: "MessageRecord",
  api_request: "ApiRequestRecord",
};
