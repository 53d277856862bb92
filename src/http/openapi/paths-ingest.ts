import { errorResponse, jsonResponse, responseRef } from "./responses.ts";
import { JSON_TYPE, schemaRef, type Operation } from "./types.ts";

// POST /ingest: directory and usage records from the platform.

const NDJSON_EXAMPLE = [
  {
    type: "user",
    id: "u1",
    name: "Alice",
    email: "alice@example.com",
    role: "admin",
    department: "Eng",
    companyName: "Acme",
    licenseType: "enterprise",
    paygLimit: 50,
    joinedAt: "2024-01-10T08:00:00Z",
  },
  {
    type: "message",
    id: "m1",
    occurredAt: "2024-01-15T10:00:00Z",
    userId: "u1",
    surface: "chat",
    model: "gpt-4o-2024-08-06",
    provider: "openai",
    source: "WEB",
    promptTokens: 120,
    completionTokens: 40,
  },
];

export const ingestOperation: Operation = {
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
    "400": errorResponse(
      "Bad Request: an unsupported Content-Type, an empty body, or invalid records (all listed, nothing stored)",
      {
        contentType: [
          "Unsupported Content-Type",
          "Bad Request",
          'Content-Type "text/plain" is not supported: send application/x-ndjson (one record per line) or application/json (an array of records)',
        ],
        badLine: ["NDJSON line that is not JSON", "Bad Request", "line 2: not valid JSON"],
        badRecords: ["Invalid records", "Bad Request", 'line 1: occurredAt is required; line 3: unknown record type "invoice"'],
        notArray: ["JSON body that is not an array", "Bad Request", "A application/json body must be an array of records"],
        empty: ["No records", "Bad Request", "The request body holds no records"],
      },
      undefined,
      "IngestError",
    ),
    "401": responseRef("Unauthorized"),
    "403": responseRef("IngestForbidden"),
    "413": responseRef("IngestTooLarge"),
    "415": errorResponse("Unsupported Media Type: a Content-Encoding other than gzip", {
      encoding: [
        "Unsupported encoding",
        "Unsupported Media Type",
        'Content-Encoding "br" is not supported: send gzip or no Content-Encoding',
      ],
    }),
    "429": responseRef("IngestRateLimited"),
    "500": responseRef("InternalError"),
    "503": responseRef("DatabaseUnavailable"),
  },
};
