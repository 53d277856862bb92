import { GROUP_BY_OPTIONS } from "../../usage/shared/data-types.ts";
import {
  DATE_SEMANTICS,
  dateInput,
  errorSchema,
  exportResponse,
  exportRowsResponse,
  formatField,
  ingestErrorSchema,
  withGroupBy,
} from "./schemas-bodies.ts";
import { RECORD_TYPES, RECORDS } from "./schemas-records.ts";
import { schemaRef, type Schema } from "./types.ts";

/** `components.schemas` of the document, in the order it lists them. */
export const COMPONENT_SCHEMAS: Record<string, Schema> = {
  UsageExportRequest: {
    type: "object",
    description: `Request body for usage export endpoints. ${DATE_SEMANTICS}`,
    properties: {
      from: dateInput("from", "2024-01-01T00:00:00.000Z"),
      to: dateInput("to", "2024-01-31T23:59:59.999Z"),
      format: formatField,
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
  UsageExportRowsResponse: exportRowsResponse,
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
