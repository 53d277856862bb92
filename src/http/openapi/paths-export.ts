import { JSON_ROW_LIMIT } from "../../exports/json-rows.ts";
import { canonicalDataType, EXPORT_TYPES, type ExportTypeName } from "../../usage/shared/data-types.ts";
import { ACCEPTED_RESPONSE, ASYNC_PARAMETERS, EXPORT_ASYNC_NOTE, IDEMPOTENCY_CONFLICT } from "./paths-export-jobs.ts";
import { errorResponse, jsonResponse, responseRef } from "./responses.ts";
import { DATE_SEMANTICS, exportRequestSchema } from "./schemas-bodies.ts";
import { JSON_TYPE, schemaRef, type Operation, type PathItem, type Server } from "./types.ts";

// POST /export/{dataType}: the seed API's endpoints (`export-users-api.txt`),
// one path per data type name; POST /export/{dataType}/json: the same rows as JSON.

/** Prefix under which dedicated deployments serve the export endpoints. */
export const DEDICATED_PREFIX = "/api/public";
export const EXPORT_TAG = "Usage Export";

const EXPORTS: Record<ExportTypeName, { summary: string; description: string }> = {
  users: {
    summary: "Export user usage data",
    description:
      "Export detailed usage data for all users in the workspace (subject to privacy settings): one row per member whose membership overlaps the period, zeros where inactive. " +
      "With the workspace setting user-level data off, `name` and `email` are left out.",
  },
  agents: {
    summary: "Export agent usage data",
    description:
      "Usage statistics for each agent that existed during the period, zeros where unused (subject to privacy settings: `assistant_owner_email`).",
  },
  assistants: {
    summary: "Export agent usage data (alias)",
    description: "The same export as `/export/agents`, answered with `dataType: assistants` and named `assistants-usage/…`.",
  },
  api_keys: {
    summary: "Export API key usage data",
    description: "API usage and cost for each platform API key that existed during the period, zeros where unused.",
  },
  "api-keys": {
    summary: "Export API key usage data (alias)",
    description:
      "The same export as `/export/api_keys` (the reference service's spelling), answered with `dataType: api-keys` and named `api-keys-usage/…`.",
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

/** The two shapes of one data type's export: a file (CSV or Parquet) or its rows as JSON. */
type Shape = "file" | "rows";

const ROWS_NOTE =
  `The rows themselves, read exactly as for the file (same body, rules and errors), as JSON objects. At most ${JSON_ROW_LIMIT} rows: ` +
  "past that the answer is 413; export a larger period as a file (`POST /export/{dataType}`) or as an async job.";

const rowsTooLarge = errorResponse("Payload Too Large: the body is over 16 KiB, or the export has more rows than a JSON answer carries", {
  tooLarge: ["Body over the limit", "Payload Too Large", "Request body is larger than the limit of 16384 bytes"],
  tooManyRows: [
    "More rows than the JSON limit",
    "Payload Too Large",
    `This export has more than ${JSON_ROW_LIMIT} rows, the most a JSON answer carries: request it as a file with POST /export/users ` +
      '(CSV, or Parquet with "format": "parquet"), or as an async job (header Prefer: respond-async)',
  ],
});

/** `api_keys` → `ApiKeys`; the hyphenated alias gets `Alias` so operation ids stay unique. */
const operationName = (type: ExportTypeName) =>
  type.replace(/(^|[_-])([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase()) + (type.includes("-") ? "Alias" : "");

function exportOperation(type: ExportTypeName, shape: Shape): Operation {
  const { summary, description } = EXPORTS[type];
  const requestSchema = exportRequestSchema(type);
  const badRequests: Record<string, [string, string, string]> = {
    badDate: ["Malformed date", "Bad Request", 'from.date "2024-13-45" is not a real calendar date and time'],
    history: ["Older than 12 months", "Bad Request", "from: Historical data is limited to 12 months"],
    order: ["from after to", "Bad Request", "from must not be later than to"],
    timezone: ["Unknown time zone", "Bad Request", 'to.timezone "Mars/Base" is not a known IANA time zone'],
    malformed: ["Body is not JSON", "Bad Request", "Malformed JSON body: Unexpected token 'n', \"{nope\" is not valid JSON"],
  };
  if (shape === "file") badRequests.format = ["Unknown format", "Bad Request", 'format "xlsx" is not one of csv, parquet'];
  if (requestSchema === "UsageExportRequest")
    badRequests.groupBy = ["group_by given", "Bad Request", `group_by is not available for ${type}`];
  else if (type === "models") {
    badRequests.groupBy = ["Unknown group_by", "Bad Request", 'group_by "model" is not valid for models (expected source or deployment)'];
    badRequests.deployment = [
      "Deployment subgroups without BYOK",
      "Bad Request",
      'group_by "deployment" is only available for BYOK workspaces',
    ];
  } else
    badRequests.groupBy = [
      "Unknown group_by",
      "Bad Request",
      `group_by "source" is not valid for ${canonicalDataType(type)} (expected model)`,
    ];

  return {
    tags: [EXPORT_TAG],
    summary: shape === "file" ? summary : `${summary} as JSON rows`,
    description:
      (shape === "file" ? `${description}\n\n${EXPORT_NOTES}` : `${ROWS_NOTE}\n\n${description}\n\n${EXPORT_NOTES}`) +
      `\n\n${EXPORT_ASYNC_NOTE}`,
    operationId: `export${operationName(type)}${shape === "file" ? "" : "Rows"}`,
    parameters: ASYNC_PARAMETERS,
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
      "200":
        shape === "file"
          ? jsonResponse("Export successful", schemaRef("UsageExportResponse"))
          : jsonResponse("The export's rows", schemaRef("UsageExportRowsResponse")),
      "202": ACCEPTED_RESPONSE,
      "400": errorResponse("Bad Request: one message per problem, each naming its field", badRequests),
      "401": responseRef("Unauthorized"),
      "403": responseRef("ExportForbidden"),
      "404": responseRef("NoData"),
      "413": shape === "file" ? responseRef("ExportTooLarge") : rowsTooLarge,
      "422": IDEMPOTENCY_CONFLICT,
      "429": responseRef("ExportRateLimited"),
      "500": responseRef("InternalError"),
      "503": responseRef("DatabaseUnavailable"),
    },
  };
}

/** The servers of every export path (and the export jobs'): this service, and under /api/public. */
export function exportServers(baseUrl: string): Server[] {
  return [
    { url: baseUrl, description: "This service" },
    { url: `${baseUrl}${DEDICATED_PREFIX}`, description: "Dedicated deployments: the same endpoint under /api/public" },
  ];
}

export function exportPaths(baseUrl: string): Record<string, PathItem> {
  const servers = exportServers(baseUrl);
  return Object.fromEntries(
    EXPORT_TYPES.flatMap((type) => [
      [`/export/${type}`, { servers, post: exportOperation(type, "file") }],
      [`/export/${type}/json`, { servers, post: exportOperation(type, "rows") }],
    ]),
  );
}
