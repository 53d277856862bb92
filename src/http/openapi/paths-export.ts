import { DATA_TYPES, type DataTypeName } from "../../usage/shared/data-types.ts";
import { errorResponse, jsonResponse, responseRef } from "./responses.ts";
import { DATE_SEMANTICS, exportRequestSchema } from "./schemas-bodies.ts";
import { JSON_TYPE, schemaRef, type Operation, type PathItem, type Server } from "./types.ts";

// POST /export/{dataType}: the seed API's endpoints (`export-users-api.txt`),
// one path per data type name.

/** Prefix under which dedicated deployments serve the export endpoints. */
export const DEDICATED_PREFIX = "/api/public";
export const EXPORT_TAG = "Usage Export";

const EXPORTS: Record<DataTypeName, { summary: string; description: string }> = {
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
      `group_by "source" is not valid for ${type === "assistants" ? "agents" : type} (expected model)`,
    ];

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

export function exportPaths(baseUrl: string): Record<string, PathItem> {
  const servers: Server[] = [
    { url: baseUrl, description: "This service" },
    { url: `${baseUrl}${DEDICATED_PREFIX}`, description: "Dedicated deployments: the same endpoint under /api/public" },
  ];
  return Object.fromEntries(DATA_TYPES.map((type) => [`/export/${type}`, { servers, post: exportOperation(type) }]));
}
