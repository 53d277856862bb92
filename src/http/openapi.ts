import { DATA_TYPES, type DataTypeName } from "../usage/data-types.ts";
import { COMPONENT_SCHEMAS, DATE_SEMANTICS, exportRequestSchema, schemaRef, type Ref, type Schema } from "./openapi-schemas.ts";

// The OpenAPI 3.0 document of the REST surface, served at GET /openapi.json.
// The export endpoints follow the seed API (`export-users-api.txt`): the same
// schema names, request and response shapes, and bearer authentication.

type Example = { summary: string; value: unknown };
type MediaType = { schema: Schema | Ref; example?: unknown; examples?: Record<string, Example> };
type Header = { description: string; required?: boolean; schema: Schema };
type Response = { description: string; headers?: Record<string, Header>; content?: Record<string, MediaType> };
type Parameter = {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  description: string;
  schema: Schema;
  example?: unknown;
};
type Operation = {
  tags: string[];
  summary: string;
  description: string;
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, MediaType> };
  responses: Record<string, Response | Ref>;
};
type Server = { url: string; description: string };
type PathItem = { servers?: Server[]; get?: Operation; head?: Operation; post?: Operation };

/** Prefix under which dedicated deployments serve the export endpoints. */
const DEDICATED_PREFIX = "/api/public";
const EXPORT_TAG = "Usage Export";
const NO_AUTH: Record<string, string[]>[] = [];

const JSON_TYPE = "application/json";

const err = (error: string, message: string) => ({ error, message });

/** An error response: `UsageExportError`, with named examples of the messages the service sends. */
function errorResponse(description: string, examples: Record<string, [summary: string, error: string, message: string]>, headers?: Record<string, Header>, schema = "UsageExportError"): Response {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: {
      [JSON_TYPE]: {
        schema: schemaRef(schema),
        examples: Object.fromEntries(
          Object.entries(examples).map(([name, [summary, error, message]]) => [name, { summary, value: err(error, message) }]),
        ),
      },
    },
  };
}

const jsonResponse = (description: string, schema: Schema | Ref, example?: unknown): Response => ({
  description,
  content: { [JSON_TYPE]: { schema, ...(example === undefined ? {} : { example }) } },
});

// ── Errors shared by the authenticated endpoints ────────────────────────────

const unauthorized = errorResponse("Unauthorized: the API key is missing, malformed, unknown or revoked", {
  missing: ["No Authorization header", "Unauthorized", 'Missing API key: send the header "Authorization: Bearer <key>"'],
  malformed: ["Not a Bearer header", "Unauthorized", 'Malformed Authorization header: expected "Bearer <key>"'],
  invalid: ["Unknown key", "Unauthorized", "Invalid API key"],
  revoked: ["Revoked key", "Unauthorized", "This API key has been revoked"],
});

const ORIGIN_REFUSED =
  "Browser-origin requests are refused: call this API from a server, never from a web page, so your API key stays secret";

const forbidden = (role: string, verb: string) =>
  errorResponse(
    "Forbidden: the key's role lacks the permission, or the request carries an `Origin` header (browser-origin requests are refused and no CORS headers are ever sent)",
    {
      role: ["Key role without the permission", "Forbidden", `This API key's role "${role}" may not ${verb}`],
      origin: ["Request with an Origin header", "Forbidden", ORIGIN_REFUSED],
    },
  );

const tooLarge = (limit: string, bytes: number) =>
  errorResponse(`Payload Too Large: the body is over ${limit}`, {
    tooLarge: ["Body over the limit", "Payload Too Large", `Request body is larger than the limit of ${bytes} bytes`],
  });

const rateLimited = (what: string, perMinute: number) =>
  errorResponse(
    `Too Many Requests: the per-API-key limit of ${what} per minute (default ${perMinute}) is used up. Retry after the seconds in \`Retry-After\`.`,
    {
      rateLimited: [
        "Limit used up",
        "Too Many Requests",
        `Rate limit of ${perMinute} ${what} per minute exceeded for this API key; retry after 12 seconds`,
      ],
    },
    {
      "Retry-After": {
        description: "Seconds to wait before the key may send another request",
        required: true,
        schema: { type: "integer", minimum: 1, example: 12 },
      },
    },
  );

/** Responses several operations share, under `components.responses`. */
const SHARED_RESPONSES = {
  Unauthorized: unauthorized,
  ExportForbidden: forbidden("ingest", "export"),
  IngestForbidden: forbidden("export", "ingest records"),
  NoData: errorResponse("No data found: the period holds no usage record at all", {
    noData: ["Period without usage", "No data found", "No usage data found for the selected period"],
  }),
  ExportTooLarge: tooLarge("16 KiB", 16 * 1024),
  IngestTooLarge: tooLarge("the ingestion limit (INGEST_BODY_LIMIT_BYTES, default 10 MB)", 10 * 1024 * 1024),
  ExportRateLimited: rateLimited("export requests", 60),
  IngestRateLimited: rateLimited("ingest requests", 600),
  DatabaseUnavailable: errorResponse(
    "Service Unavailable: the database could not be reached or dropped the connection; nothing was changed, so the request may be sent again",
    { unavailable: ["Database unavailable", "Service Unavailable", "The database is unavailable; nothing was changed. Retry in 5 seconds"] },
    {
      "Retry-After": {
        description: "Seconds to wait before retrying",
        required: true,
        schema: { type: "integer", minimum: 1, example: 5 },
      },
    },
  ),
  InternalError: errorResponse("Internal Server Error: an unexpected failure; nothing about it is disclosed", {
    internal: ["Unexpected failure", "Internal Server Error", "An unexpected error occurred"],
  }),
} satisfies Record<string, Response>;
const responseRef = (name: keyof typeof SHARED_RESPONSES): Ref => ({ $ref: `#/components/responses/${name}` });

// ── Export endpoints ────────────────────────────────────────────────────────

const EXPORTS: Record<DataTypeName, { summary: string; description: string }> = {
  users: {
    summary: "Export user usage data",
    description:
      "Export detailed usage data for all users in the workspace (subject to privacy settings): one row per member whose membership overlaps the period, zeros where inactive. " +
      "With the workspace setting user-level data off, `name` and `email` are left out.",
  },
  agents: {
    summary: "Export agent usage data",
    description: "Usage statistics for each agent that existed during the period, zeros where unused (subject to privacy settings: `assistant_owner_email`).",
  },
  assistants: {
    summary: "Export agent usage data (alias)",
    description: "The same export as `/export/agents`, answered with `dataType: assistants` and named `assistants-usage/…`.",
  },
  api_keys: {
    summary: "Export API key usage data",
    description: "API usage and cost for each platform API key that existed during the period, zeros where unused.",
  },
  projects: {
    summary: "Export project usage data",
    description:
      "Usage of each project that existed during the period, zeros where unused (subject to privacy settings: `project_owner_email`). " +
      "Projects have no subgroups: a `group_by` is refused (400).",
  },
  models: {
    summary: "Export model usage data",
    description:
      "One row per normalized model name, provider and BYOK state with at least one request in the period. " +
      "`group_by=source` splits by source; `group_by=deployment` by BYOK deployment (BYOK workspaces only).",
  },
};

const EXPORT_NOTES = [
  "Only keys with the `admin` or `export` role may export.",
  `Dedicated deployments serve this endpoint under \`${DEDICATED_PREFIX}\` too (see this path's servers).`,
  "Requests carrying an `Origin` header are refused (403) and no CORS headers are sent: call the API from a server.",
  `Dates: ${DATE_SEMANTICS}`,
  "BYOK workspaces get the token and cost columns appended.",
].join("\n\n");

function exportOperation(type: DataTypeName): Operation {
  const { summary, description } = EXPORTS[type];
  const requestSchema = exportRequestSchema(type);
  const badRequests: Record<string, [string, string, string]> = {
    badDate: ["Malformed date", "Bad Request", 'from.date "2024-13-45" is not a real calendar date and time'],
    history: ["Older than 12 months", "Bad Request", "from: Historical data is limited to 12 months"],
    order: ["from after to", "Bad Request", "from must not be later than to"],
    timezone: ["Unknown time zone", "Bad Request", 'to.timezone "Mars/Base" is not a known IANA time zone'],
    malformed: ["Body is not JSON", "Bad Request", "Malformed JSON body: Unexpected token 'n', \"{nope\" is not valid JSON"],
  };
  if (requestSchema === "UsageExportRequest") badRequests.groupBy = ["group_by given", "Bad Request", `group_by is not available for ${type}`];
  else if (type === "models") {
    badRequests.groupBy = ["Unknown group_by", "Bad Request", 'group_by "model" is not valid for models (expected source or deployment)'];
    badRequests.deployment = ["Deployment subgroups without BYOK", "Bad Request", 'group_by "deployment" is only available for BYOK workspaces'];
  } else badRequests.groupBy = ["Unknown group_by", "Bad Request", `group_by "source" is not valid for ${type === "assistants" ? "agents" : type} (expected model)`];

  return {
    tags: [EXPORT_TAG],
    summary,
    description: `${description}\n\n${EXPORT_NOTES}`,
    operationId: `export${type.replace(/(^|_)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase())}`,
    parameters: [],
    requestBody: {
      required: true,
      content: {
        [JSON_TYPE]: {
          schema: schemaRef(requestSchema),
          example: {
            from: { date: "2024-01-01T00:00:00.000Z", timezone: "Europe/Berlin" },
            to: { date: "2024-01-31T23:59:59.999Z", timezone: "Europe/Berlin" },
            ...(requestSchema === "UsageExportRequest" ? {} : { group_by: type === "models" ? "source" : "model" }),
          },
        },
      },
    },
    responses: {
      "200": jsonResponse("Export successful", schemaRef("UsageExportResponse")),
      "400": errorResponse("Bad Request: one message per problem, each naming its field", badRequests),
      "401": responseRef("Unauthorized"),
      "403": responseRef("ExportForbidden"),
      "404": responseRef("NoData"),
      "413": responseRef("ExportTooLarge"),
      "429": responseRef("ExportRateLimited"),
      "500": responseRef("InternalError"),
      "503": responseRef("DatabaseUnavailable"),
    },
  };
}

function exportPaths(baseUrl: string): Record<string, PathItem> {
  const servers: Server[] = [
    { url: baseUrl, description: "This service" },
    { url: `${baseUrl}${DEDICATED_PREFIX}`, description: "Dedicated deployments: the same endpoint under /api/public" },
  ];
  return Object.fromEntries(DATA_TYPES.map((type) => [`/export/${type}`, { servers, post: exportOperation(type) }]));
}

// ── Ingestion ───────────────────────────────────────────────────────────────

const NDJSON_EXAMPLE = [
  { type: "user", id: "u1", name: "Alice", email: "alice@example.com", role: "admin", department: "Eng", companyName: "Acme", licenseType: "enterprise", paygLimit: 50, joinedAt: "2024-01-10T08:00:00Z" },
  { type: "message", id: "m1", occurredAt: "2024-01-15T10:00:00Z", userId: "u1", surface: "chat", model: "gpt-4o-2024-08-06", provider: "openai", source: "WEB", promptTokens: 120, completionTokens: 40 },
];

const ingestOperation: Operation = {
  tags: ["Ingestion"],
  summary: "Send directory and usage records",
  description: [
    "The platform feeds the service its directory (users, agents, projects, API keys, deployments) and usage (messages, API requests). Keys with the `ingest` or `admin` role may ingest.",
    "A request is atomic: if any record is invalid the answer is 400 listing the first 100 bad records (`line N: …` for NDJSON, counting blank lines; `record N: …` for a JSON array) and counting the rest (`moreProblems`); nothing is stored.",
    "Re-sending a usage record's id is a no-op (counted in `duplicates`); re-sending a directory record adds a version at its `effectiveAt` (attribute history is kept).",
    "The body limit is 10 MB by default (`INGEST_BODY_LIMIT_BYTES`); requests carrying an `Origin` header are refused (403).",
    "The body may be sent with `Content-Encoding: gzip`: the body limit then applies to the decompressed size, and `INGEST_COMPRESSED_LIMIT_BYTES` to the bytes sent. A corrupt gzip body is a 400; any other encoding a 415.",
  ].join("\n\n"),
  operationId: "ingestRecords",
  parameters: [
    {
      name: "Content-Encoding",
      in: "header",
      required: false,
      description: "`gzip` (or `x-gzip`) for a compressed body; absent or `identity` otherwise",
      schema: { type: "string", enum: ["gzip", "x-gzip", "identity"] },
    },
  ],
  requestBody: {
    required: true,
    content: {
      "application/x-ndjson": {
        schema: { type: "string", description: "One `IngestRecord` JSON object per line" },
        example: `${NDJSON_EXAMPLE.map((r) => JSON.stringify(r)).join("\n")}\n`,
      },
      [JSON_TYPE]: {
        schema: { type: "array", minItems: 1, items: schemaRef("IngestRecord") },
        example: NDJSON_EXAMPLE,
      },
    },
  },
  responses: {
    "200": jsonResponse("Every record was valid and the batch is stored", schemaRef("IngestResponse"), { accepted: 2, duplicates: 0 }),
    "400": errorResponse("Bad Request: an unsupported Content-Type, an empty body, or invalid records (all listed, nothing stored)", {
      contentType: [
        "Unsupported Content-Type",
        "Bad Request",
        'Content-Type "text/plain" is not supported: send application/x-ndjson (one record per line) or application/json (an array of records)',
      ],
      badLine: ["NDJSON line that is not JSON", "Bad Request", "line 2: not valid JSON"],
      badRecords: [
        "Invalid records",
        "Bad Request",
        'line 1: occurredAt is required; line 3: unknown record type "invoice"',
      ],
      notArray: ["JSON body that is not an array", "Bad Request", "A application/json body must be an array of records"],
      empty: ["No records", "Bad Request", "The request body holds no records"],
    }, undefined, "IngestError"),
    "401": responseRef("Unauthorized"),
    "403": responseRef("IngestForbidden"),
    "413": responseRef("IngestTooLarge"),
    "415": errorResponse("Unsupported Media Type: a Content-Encoding other than gzip", {
      encoding: ["Unsupported encoding", "Unsupported Media Type", 'Content-Encoding "br" is not supported: send gzip or no Content-Encoding'],
    }),
    "429": responseRef("IngestRateLimited"),
    "500": responseRef("InternalError"),
    "503": responseRef("DatabaseUnavailable"),
  },
};

// ── Downloads ───────────────────────────────────────────────────────────────

const FILE_PATH_PATTERN = "^[a-z_]+-usage/[A-Za-z0-9_-]+/[a-z_]+-usage-\\d{4}-\\d{2}-\\d{2}-\\d{4}-\\d{2}-\\d{2}-[0-9a-f]{8}\\.csv$";

const downloadParameters: Parameter[] = [
  {
    name: "filePath",
    in: "path",
    required: true,
    description:
      "The export's `filePath`, slashes included (each segment URL-encoded). Only paths of the export store's shape are ever served.",
    schema: { type: "string", pattern: FILE_PATH_PATTERN },
    example: "users-usage/ws_123/users-usage-2024-01-01-2024-01-31-abc12345.csv",
  },
  { name: "expires", in: "query", required: true, description: "Expiry of the link, in Unix seconds", schema: { type: "integer", minimum: 0 } },
  { name: "signature", in: "query", required: true, description: "HMAC-SHA256 of the file path and expiry, hex", schema: { type: "string", pattern: "^[0-9a-f]{64}$" } },
];

const downloadForbidden = errorResponse("Forbidden: the link is incomplete, tampered with, expired, or names no export file", {
  incomplete: ["expires or signature missing", "Forbidden", "The download link is incomplete"],
  malformed: ["Path that is not valid URL encoding", "Forbidden", "The download link is malformed"],
  signature: ["Tampered link", "Forbidden", "The download link signature is invalid"],
  expired: ["Expired link", "Forbidden", "The download link has expired"],
  notExport: ["Signed path outside the export store", "Forbidden", "The download link does not name an export file"],
});
const downloadGone = errorResponse("Not Found: the export file was deleted (exports are kept for a limited time)", {
  gone: ["File deleted", "Not Found", "The export file no longer exists"],
});

const downloadHeaders: Record<string, Header> = {
  "Content-Disposition": {
    description: "Always `attachment`, with the file's name",
    required: true,
    schema: { type: "string", example: 'attachment; filename="users-usage-2024-01-01-2024-01-31-abc12345.csv"' },
  },
  "Content-Length": { description: "Size of the file in bytes", required: true, schema: { type: "integer", minimum: 0 } },
  "Cache-Control": { description: "`private, no-store`", required: true, schema: { type: "string" } },
};

const downloadOperation = (method: "get" | "head"): Operation => ({
  tags: ["Downloads"],
  summary: method === "get" ? "Download an export file" : "Check an export download link",
  description:
    "Serves the CSV behind an export's `downloadUrl`. The signature is the only credential (no API key is needed, so the link can be handed on): " +
    "a tampered or expired link, or one naming anything but an export file, is refused with 403." +
    (method === "head" ? " HEAD answers the same status and headers without a body." : ""),
  operationId: method === "get" ? "downloadExport" : "checkExportDownload",
  security: NO_AUTH,
  parameters: downloadParameters,
  responses:
    method === "get"
      ? {
          "200": {
            description: "The CSV file (RFC 4180, UTF-8, header row, CRLF line ends)",
            headers: downloadHeaders,
            content: { "text/csv": { schema: { type: "string", format: "binary" } } },
          },
          "403": downloadForbidden,
          "404": downloadGone,
        }
      : {
          "200": { description: "The link is good; headers as for GET", headers: downloadHeaders },
          "403": { description: downloadForbidden.description },
          "404": { description: downloadGone.description },
        },
});

// ── The document ────────────────────────────────────────────────────────────

const INFO_DESCRIPTION = [
  "Usage analytics of an AI-chat workspace as CSV exports, plus the ingestion of the records they are computed from.",
  "**Authentication.** Send an API key as `Authorization: Bearer <key>`. Roles: `admin` (everything), `export` (exports), `ingest` (ingestion). Downloads need no key: their signed URL is the credential.",
  "**Browsers.** Requests carrying an `Origin` header are refused (403) and no CORS headers are ever sent, so an API key never has to live in a web page.",
  `**Dedicated deployments.** The export endpoints are also served under \`${DEDICATED_PREFIX}\` (\`${DEDICATED_PREFIX}/export/{dataType}\`).`,
  "**Rate limits.** Per API key and minute: 60 export requests and 600 ingestion requests by default; past it the answer is 429 with `Retry-After` (seconds).",
  "**Errors.** Every error is `UsageExportError` `{ error, message }`; a path or method the API does not have is 404.",
  "GraphQL (`/graphql`) offers the same data as typed queries; it is not described here.",
].join("\n\n");

/** The OpenAPI 3 document of the REST surface, with servers pointing at `baseUrl`. */
export function openApiDocument(baseUrl: string): Record<string, unknown> {
  const paths: Record<string, PathItem> = {
    ...exportPaths(baseUrl),
    "/ingest": { post: ingestOperation },
    "/downloads/{filePath}": { get: downloadOperation("get"), head: downloadOperation("head") },
    "/openapi.json": {
      get: {
        tags: ["Service"],
        summary: "This document",
        description: "The OpenAPI 3.0 document of the REST API.",
        operationId: "getOpenApiDocument",
        security: NO_AUTH,
        responses: { "200": jsonResponse("The OpenAPI document", { type: "object" }) },
      },
    },
    "/health": {
      get: {
        tags: ["Service"],
        summary: "Liveness check",
        description: "Answers `{ ok: true }` while the process serves requests.",
        operationId: "getHealth",
        security: NO_AUTH,
        responses: { "200": jsonResponse("The service is up", schemaRef("Health"), { ok: true }) },
      },
    },
  };
  return {
    openapi: "3.0.3",
    info: { title: "Usage Exports API", version: "1.0.0", description: INFO_DESCRIPTION },
    // `/api/public` is a server of the export paths only (their path-level servers), not of /ingest or /downloads.
    servers: [{ url: baseUrl, description: "This service" }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: EXPORT_TAG, description: "CSV exports of usage per data type" },
      { name: "Ingestion", description: "Directory and usage records from the platform" },
      { name: "Downloads", description: "Signed, expiring links to export files" },
      { name: "Service", description: "Health and this document" },
    ],
    paths,
    components: {
      schemas: COMPONENT_SCHEMAS,
      responses: SHARED_RESPONSES,
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "API Key",
          description: 'API key as Bearer token. Format "Bearer YOUR_API_KEY"',
        },
      },
    },
  };
}
