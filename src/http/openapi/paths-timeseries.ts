import { EXPORT_FORMATS } from "../../exports/export-files.ts";
import { BUCKET_WIDTHS } from "../../usage/timeseries/buckets.ts";
import { MAX_BUCKETS, MAX_HOURLY_RANGE_DAYS } from "../../usage/timeseries/limits.ts";
import { TIMESERIES_GROUP_KEYS } from "../../usage/timeseries/group-keys.ts";
import { MAX_TIMESERIES_RESULTS } from "../../usage/timeseries/read-timeseries.ts";
import { DEDICATED_PREFIX, EXPORT_TAG } from "./paths-export.ts";
import { errorResponse, jsonResponse, responseRef } from "./responses.ts";
import { DATE_SEMANTICS, dateInput } from "./schemas-bodies.ts";
import { ACCEPTED_RESPONSE, ASYNC_PARAMETERS, EXPORT_ASYNC_NOTE, IDEMPOTENCY_CONFLICT } from "./paths-export-jobs.ts";
import { JSON_TYPE, type Operation, type PathItem, type Schema, type Server, successEnvelope } from "./types.ts";

// POST /usage/timeseries (JSON) and POST /export/timeseries (a file): SPEC §11.

const RULES = [
  "Buckets are the local hours, days, weeks (starting on the workspace's first weekday) and calendar months of the request's time zone (`from.timezone`), clipped to the range: the first starts at `from`, the last ends right after `to`. A day with a DST change has 23 or 25 hour buckets. Each bucket holds the records with start ≤ occurredAt < end.",
  `Limits: \`1h\` covers at most ${MAX_HOURLY_RANGE_DAYS} days, and a request makes at most ${MAX_BUCKETS} buckets (400 otherwise).`,
  "`group_by`: any of the keys, each once, in the order the results list them (absent or empty: one result per bucket). `user`, `agent`, `project` and `api_key` are ids (user ids stay when the workspace turns user-level data off: no name or email ever appears); `deployment` is the BYOK deployment's name and `department` the user's, each as of the bucket's end; records without a key (API requests have no user) have it null. `deployment` needs a BYOK workspace, as for the models export.",
  "Numbers: `requests` counts model requests (messages and API requests, as the models export's `requests`); `messages` counts users' messages on every surface (as the users export's `messages_total`). Token and cost fields are present only for BYOK workspaces, as in the exports. Summed over buckets, each group equals the matching export of the same range.",
  "Only keys with the `admin` or `export` role may ask, within the export rate limit.",
  `Dates: ${DATE_SEMANTICS}`,
].join("\n\n");

const keyValue: Schema = { type: "string", nullable: true };
const count: Schema = { type: "integer", minimum: 0, description: "Exact up to 2^53 − 1" };

const requestSchema = (file: boolean): Schema => ({
  type: "object",
  properties: {
    from: dateInput("from", "2026-03-01"),
    to: dateInput("to", "2026-03-31"),
    bucket_width: { type: "string", enum: BUCKET_WIDTHS, description: "Local hour, day, week or calendar month" },
    group_by: { type: "array", items: { type: "string", enum: TIMESERIES_GROUP_KEYS }, description: "Each key at most once" },
    ...(file ? { format: { type: "string", enum: EXPORT_FORMATS, default: "csv", description: "The file's format" } } : {}),
  },
  required: ["from", "to", "bucket_width"],
});

const resultSchema: Schema = {
  type: "object",
  description: "The group keys asked for, then the metrics (tokens and cost for BYOK workspaces only)",
  properties: {
    ...Object.fromEntries(TIMESERIES_GROUP_KEYS.map((k) => [k, keyValue])),
    messages: count,
    requests: count,
    input_tokens: count,
    output_tokens: count,
    cached_prompt_tokens: count,
    cache_creation_tokens: count,
    no_cache_tokens: count,
    cost_usd: { type: "number", minimum: 0, description: "USD, rounded to 6 decimals" },
  },
  required: ["messages", "requests"],
  additionalProperties: false,
};

const instant: Schema = { type: "string", format: "date-time" };
const dateRange: Schema = {
  type: "object",
  properties: { from: instant, to: instant },
  required: ["from", "to"],
  additionalProperties: false,
};

const seriesResponse: Schema = successEnvelope({
  bucketWidth: { type: "string", enum: BUCKET_WIDTHS },
  dateRange,
  buckets: {
    type: "array",
    description: "Every bucket of the range, in order",
    items: {
      type: "object",
      properties: {
        start: instant,
        end: { ...instant, description: "Excluded" },
        results: { type: "array", items: resultSchema, description: "By requests descending, then keys; [] when empty" },
      },
      required: ["start", "end", "results"],
      additionalProperties: false,
    },
  },
});

const fileResponse: Schema = successEnvelope({
  filePath: {
    type: "string",
    example: "timeseries-usage/workspace-id/timeseries-usage-2026-03-01-2026-03-31-abc12345.csv",
  },
  downloadUrl: { type: "string", format: "uri", description: "Signed, expiring link (no API key needed)" },
  dataType: { type: "string", enum: ["timeseries"] },
  recordCount: { type: "integer", description: "Rows: one per bucket and group (an empty bucket has none)" },
  dateRange,
});

const badRequests: Record<string, [string, string, string]> = {
  width: ["Unknown bucket_width", "Bad Request", 'bucket_width "2h" is not one of 1h, 1d, 1w, 1mo'],
  key: ["Unknown group_by key", "Bad Request", `group_by.0 "team" is not one of ${TIMESERIES_GROUP_KEYS.join(", ")}`],
  repeated: ["Repeated group_by key", "Bad Request", 'group_by names "model" more than once'],
  hours: [
    "Hours over too long a range",
    "Bad Request",
    `bucket_width 1h covers at most ${MAX_HOURLY_RANGE_DAYS} days; choose a shorter range or a wider bucket`,
  ],
  order: ["from after to", "Bad Request", "from must not be later than to"],
};

function operation(file: boolean): Operation {
  return {
    tags: [EXPORT_TAG],
    summary: file ? "Export a usage time series as a file" : "Usage time series",
    description: file
      ? `The time series of \`POST /usage/timeseries\` as a CSV (or Parquet) file: columns \`bucket_start\`, \`bucket_end\`, the group keys in the order given, then the metrics; one row per bucket and group. A range without usage is 404, as for every export.\n\n${RULES}\n\n${EXPORT_ASYNC_NOTE}`
      : `Usage per bucket of a range, optionally per group. At most ${MAX_TIMESERIES_RESULTS} results per answer (413 otherwise: use \`POST /export/timeseries\`). A range without usage answers empty buckets.\n\n${RULES}`,
    operationId: file ? "exportTimeSeries" : "usageTimeSeries",
    parameters: file ? ASYNC_PARAMETERS : [],
    requestBody: {
      required: true,
      content: {
        [JSON_TYPE]: {
          schema: requestSchema(file),
          example: {
            from: { date: "2026-03-01", timezone: "America/New_York" },
            to: { date: "2026-03-31", timezone: "America/New_York" },
            bucket_width: "1d",
            group_by: ["model", "department"],
          },
        },
      },
    },
    responses: {
      "200": file ? jsonResponse("Export successful", fileResponse) : jsonResponse("The time series", seriesResponse),
      ...(file ? { "202": ACCEPTED_RESPONSE } : {}),
      "400": errorResponse("Bad Request: one message per problem, each naming its field", badRequests),
      "401": responseRef("Unauthorized"),
      "403": responseRef("ExportForbidden"),
      ...(file ? { "404": responseRef("NoData") } : {}),
      "413": file
        ? responseRef("ExportTooLarge")
        : errorResponse("Payload Too Large: the body is over 16 KiB, or the answer over its result limit", {
            results: [
              "Too many results",
              "Payload Too Large",
              `The time series has more than ${MAX_TIMESERIES_RESULTS} results: use POST /export/timeseries (a CSV file), a wider bucket_width, a shorter range or fewer group_by keys`,
            ],
          }),
      ...(file ? { "422": IDEMPOTENCY_CONFLICT } : {}),
      "429": responseRef("ExportRateLimited"),
      "500": responseRef("InternalError"),
      "503": responseRef("DatabaseUnavailable"),
    },
  };
}

export function timeSeriesPaths(baseUrl: string): Record<string, PathItem> {
  const servers: Server[] = [
    { url: baseUrl, description: "This service" },
    { url: `${baseUrl}${DEDICATED_PREFIX}`, description: "Dedicated deployments: the same endpoint under /api/public" },
  ];
  return {
    "/usage/timeseries": { servers, post: operation(false) },
    "/export/timeseries": { servers, post: operation(true) },
  };
}
