import { JSON_TYPE, schemaRef, type Header, type Ref, type Response, type Schema } from "./types.ts";

// Responses of the document: the error shape with named examples of the
// messages the service sends, and those several operations share.

const err = (error: string, message: string) => ({ error, message });

/** An error response: `UsageExportError`, with named examples of the messages the service sends. */
export function errorResponse(
  description: string,
  examples: Record<string, [summary: string, error: string, message: string]>,
  headers?: Record<string, Header>,
  schema = "UsageExportError",
): Response {
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

export const jsonResponse = (description: string, schema: Schema | Ref, example?: unknown): Response => ({
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
export const SHARED_RESPONSES = {
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
    {
      unavailable: ["Database unavailable", "Service Unavailable", "The database is unavailable; nothing was changed. Retry in 5 seconds"],
    },
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
export const responseRef = (name: keyof typeof SHARED_RESPONSES): Ref => ({ $ref: `#/components/responses/${name}` });
