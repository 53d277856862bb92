import { EXPORT_FORMATS } from "../../exports/export-files.ts";
import { canonicalDataType, EXPORT_TYPES, GROUP_BY_OPTIONS, type ExportTypeName } from "../../usage/shared/data-types.ts";
import { schemaRef, type Schema, successEnvelope } from "./types.ts";

// Request and response bodies: the export schemas keep the seed API's names and
// shapes (`export-users-api.txt`); success and error bodies add
// `additionalProperties: false` because the service's bodies are exact, so a
// contract test notices any extra field.

/** How the service reads `from`/`to` (SPEC §5); repeated where clients look for it. */
export const DATE_SEMANTICS = [
  "The `timezone` (an IANA name such as `UTC` or `Europe/Berlin`) decides: the wall-clock part of `date` is read in that zone and any offset or `Z` on it is ignored, so `2024-01-01T00:00:00.000Z` with `Europe/Berlin` means midnight in Berlin.",
  "`date` may also be a plain day (`YYYY-MM-DD`): a plain `from` starts at the first instant of its day and a plain `to` includes its whole day (up to 23:59:59.999 in its zone).",
  "Usage records with from ≤ occurredAt ≤ to count.",
  "Historical data is limited to 12 months: a `from` earlier than the start of the day 12 months ago is refused (400 `from: Historical data is limited to 12 months`), as are a `from` later than `to`, an unknown time zone and a malformed date (each 400 message names the field).",
].join(" ");

export const dateInput = (field: "from" | "to", example: string): Schema => ({
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
export const withGroupBy = (options: readonly string[], description: string): Schema => ({
  allOf: [
    schemaRef("UsageExportRequest"),
    {
      type: "object",
      properties: { group_by: { type: "string", description, enum: options } },
    },
  ],
});

export const errorSchema: Schema = {
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
export const ingestErrorSchema: Schema = {
  ...errorSchema,
  description: "Error response from POST /ingest; a 400 for bad records also lists them (at most 100) and counts the rest",
  properties: {
    ...errorSchema.properties,
    problems: {
      type: "array",
      items: { type: "string" },
      description:
        "At most the first 100 problems, in body order, each `line N: <field>: <what is wrong>` (`record N: …` for a JSON array)",
    },
    moreProblems: { type: "integer", minimum: 0, description: "How many further problems were found but not listed" },
  },
};

const dataTypeSchema: Schema = {
  type: "string",
  description: "Type of data exported (as requested: `/export/assistants` answers `assistants`, `/export/api-keys` answers `api-keys`)",
  enum: EXPORT_TYPES,
  example: "assistants",
};

const dateRangeSchema: Schema = {
  type: "object",
  description: "Actual date range of the exported data: the resolved instants, in UTC",
  properties: {
    from: { type: "string", format: "date-time", description: "Start date of the export", example: "2024-01-01T00:00:00.000Z" },
    to: { type: "string", format: "date-time", description: "End date of the export", example: "2024-01-31T23:59:59.999Z" },
  },
  required: ["from", "to"],
  additionalProperties: false,
};

export const exportResponse: Schema = {
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
            "Path to the generated export file: `{dataType}-usage/{workspaceId}/{dataType}-usage-{startDate}-{endDate}-{8 hex}.{csv|parquet}` (the extension is the request's `format`)",
          example: "agents-usage/workspace-id/agents-usage-2024-01-01-2024-01-31-abc12345.csv",
        },
        downloadUrl: {
          type: "string",
          format: "uri",
          description:
            "Signed URL to download the export file (`GET /downloads/{filePath}?expires&signature`); it expires after one hour by default and needs no API key",
          example: "https://storage.example.com/signed-url",
        },
        dataType: dataTypeSchema,
        recordCount: { type: "integer", description: "Number of records in the export", example: 1250 },
        dateRange: dateRangeSchema,
      },
      required: ["filePath", "downloadUrl", "dataType", "recordCount", "dateRange"],
      additionalProperties: false,
    },
  },
  required: ["success", "data"],
  additionalProperties: false,
};

/** The file routes' `format` field (the JSON-rows routes answer rows and ignore it). */
export const formatField: Schema = {
  type: "string",
  enum: EXPORT_FORMATS,
  default: "csv",
  description:
    "File routes (`POST /export/{dataType}`) only: the file's format. `csv` (default): RFC 4180, UTF-8. " +
    "`parquet`: the same rows and columns as typed Parquet columns — counts INT64, money DECIMAL(18,6), averages DECIMAL(18,2), " +
    "ratios DECIMAL(18,4) (exact, the CSV's digits), dates DATE, booleans BOOLEAN, text and JSON-map columns UTF8 strings; " +
    "a cell the CSV leaves empty is null. Anything else is refused (400 naming `format` and the accepted values).",
};

/** POST /export/{dataType}/json: the rows themselves. */
export const exportRowsResponse: Schema = successEnvelope(
  {
    dataType: dataTypeSchema,
    recordCount: { type: "integer", minimum: 0, description: "Number of rows", example: 2 },
    dateRange: dateRangeSchema,
    columns: {
      type: "array",
      items: { type: "string" },
      description: "The CSV header: the visible columns in CSV order (BYOK, privacy setting and `group_by` decide which)",
      example: ["period_start", "period_end", "org_id", "name", "provider", "bring_your_keys", "requests"],
    },
    rows: {
      type: "array",
      description:
        "One object per CSV row, keyed by column name in column order. Counts are JSON integers; money, averages and ratios " +
        "are JSON numbers written with the CSV's exact digits (`0.000123`, `12.50`: a decimal-exact parser reads the exact value; " +
        "a float parser reads the nearest double, which prints back as the same digits); booleans are `true`/`false`; " +
        "JSON-map columns are objects whose keys keep the CSV's order (count descending, then key); dates are `YYYY-MM-DD` strings; " +
        "text is as stored (no formula-escaping `'`); `null` where the CSV cell is empty.",
      items: { type: "object", additionalProperties: true },
      example: [
        {
          period_start: "2024-01-01",
          period_end: "2024-01-31",
          org_id: "ws_123",
          name: "gpt-4o",
          provider: "openai",
          bring_your_keys: false,
          requests: 42,
        },
      ],
    },
  },
  { description: "The export's rows as JSON objects: the same rows and columns as the CSV" },
);

/** Each export path's request schema, from the data type's `group_by` options. */
export function exportRequestSchema(type: ExportTypeName): string {
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
