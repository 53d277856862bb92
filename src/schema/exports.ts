import { createExport, type ExportResult } from "../exports/create-export.ts";
import { EXPORT_FORMATS } from "../exports/export-files.ts";
import { limitsOf } from "../limits/rate-limit.ts";
import { resolvePeriodRequest } from "../periods/period-request.ts";
import { DATA_TYPES, GROUP_BYS } from "../usage/shared/data-types.ts";
import { builder } from "./builder.ts";
import { enumValues } from "./enum-values.ts";
import { PeriodInput } from "./period.ts";

export const DataTypeEnum = builder.enumType("DataType", { values: enumValues(DATA_TYPES) });

export const GroupByEnum = builder.enumType("GroupBy", { values: enumValues(GROUP_BYS) });

export const ExportFormatEnum = builder.enumType("ExportFormat", {
  description: "The export file's format: CSV, or Parquet with typed columns (the same rows and columns).",
  values: enumValues(EXPORT_FORMATS),
});

const DateRangeRef = builder.objectRef<ExportResult["dateRange"]>("DateRange").implement({
  fields: (t) => ({ from: t.exposeString("from"), to: t.exposeString("to") }),
});

export const ExportRef = builder.objectRef<Omit<ExportResult, "absolutePath">>("Export").implement({
  description: "A CSV or Parquet file written to the export store, as the REST API describes it.",
  fields: (t) => ({
    filePath: t.exposeString("filePath"),
    downloadUrl: t.exposeString("downloadUrl", { description: "Signed, expiring link to the file." }),
    dataType: t.expose("dataType", { type: DataTypeEnum }),
    recordCount: t.exposeInt("recordCount"),
    dateRange: t.field({ type: DateRangeRef, resolve: (e) => e.dateRange }),
  }),
});

const CreateExportInput = builder.inputType("CreateExportInput", {
  fields: (t) => ({
    dataType: t.field({ type: DataTypeEnum, required: true }),
    period: t.field({ type: PeriodInput, required: true }),
    groupBy: t.field({ type: GroupByEnum }),
    format: t.field({ type: ExportFormatEnum, defaultValue: "csv", description: "CSV unless asked." }),
  }),
});

builder.mutationField("createExport", (t) =>
  t.field({
    type: ExportRef,
    errors: {},
    authScopes: { export: true },
    description: "Renders the CSV (or Parquet) file of a data type for a period through the same rows the queries return.",
    args: { input: t.arg({ type: CreateExportInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      // The same per-key budget as POST /export/{type}; past it, the AppError member with RATE_LIMITED.
      await limitsOf(ctx.app).exports.consume(ctx.key.id);
      const period = resolvePeriodRequest(input.period, ctx.workspace, ctx.app.now());
      return createExport(ctx.app, {
        workspaceId: ctx.workspace.id,
        dataType: input.dataType,
        period,
        groupBy: input.groupBy ?? null,
        format: input.format ?? "csv",
      });
    },
  }),
);
