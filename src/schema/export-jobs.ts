import { parseInput } from "../errors/input.ts";
import { EXPORT_JOB_STATUSES, fileResultOf, jobErrorOf } from "../export-jobs/status.ts";
import { findJob, idempotencyKey as idempotencyKeySchema } from "../export-jobs/store.ts";
import { submitExportJob } from "../export-jobs/submit.ts";
import type { ExportJob } from "../generated/prisma/client.ts";
import { limitsOf } from "../limits/rate-limit.ts";
import { resolvePeriodRequest } from "../periods/period-request.ts";
import { isDataTypeName } from "../usage/shared/data-types.ts";
import { builder } from "./builder.ts";
import { enumValues } from "./enum-values.ts";
import { DataTypeEnum, ExportFormatEnum, ExportRef, GroupByEnum } from "./exports.ts";
import { PeriodInput } from "./period.ts";

const ExportJobStatusEnum = builder.enumType("ExportJobStatus", { values: enumValues(EXPORT_JOB_STATUSES) });

const ExportJobErrorRef = builder.objectRef<{ error: string; message: string }>("ExportJobError").implement({
  description: "Why a job failed: the synchronous export's error answer.",
  fields: (t) => ({ error: t.exposeString("error"), message: t.exposeString("message") }),
});

const ExportJobRef = builder.objectRef<ExportJob>("ExportJob").implement({
  description: "An export run in the background (REST: Prefer: respond-async and GET /export/jobs/{id}).",
  fields: (t) => ({
    jobId: t.exposeString("id"),
    status: t.field({ type: ExportJobStatusEnum, resolve: (job) => job.status }),
    dataType: t.exposeString("dataType", { description: "As requested (REST jobs may name `api-keys` or `timeseries`)." }),
    rowsWritten: t.exposeInt("rowsWritten"),
    createdAt: t.field({ type: "DateTime", resolve: (job) => job.createdAt }),
    finishedAt: t.field({ type: "DateTime", nullable: true, resolve: (job) => job.finishedAt }),
    result: t.field({
      type: ExportRef,
      nullable: true,
      description: "The file, once succeeded, with a link signed now (null for REST's JSON-rows and time-series jobs).",
      resolve: (job, _args, ctx) => {
        const file = fileResultOf(ctx.app, job);
        return file && isDataTypeName(file.dataType) ? { ...file, dataType: file.dataType } : null;
      },
    }),
    error: t.field({ type: ExportJobErrorRef, nullable: true, resolve: (job) => jobErrorOf(job) }),
  }),
});

const CreateExportJobInput = builder.inputType("CreateExportJobInput", {
  fields: (t) => ({
    dataType: t.field({ type: DataTypeEnum, required: true }),
    period: t.field({ type: PeriodInput, required: true }),
    groupBy: t.field({ type: GroupByEnum }),
    format: t.field({ type: ExportFormatEnum, defaultValue: "csv", description: "CSV unless asked." }),
    idempotencyKey: t.string({
      description: "The same key with the same input returns the same job; with other input it is refused (UNPROCESSABLE).",
    }),
  }),
});

builder.mutationField("createExportJob", (t) =>
  t.field({
    type: ExportJobRef,
    errors: {},
    authScopes: { export: true },
    description: "createExport as a background job: answers at once with the job; read it with exportJob(id).",
    args: { input: t.arg({ type: CreateExportJobInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      // The same per-key budget as createExport and POST /export/{type}.
      await limitsOf(ctx.app).exports.consume(ctx.key.id);
      const { idempotencyKey, ...rest } = input;
      const key = parseInput(idempotencyKeySchema, idempotencyKey ?? null, () => "idempotencyKey:");
      const request = {
        kind: "file",
        dataType: input.dataType,
        period: resolvePeriodRequest(input.period, ctx.workspace, ctx.app.now()),
        groupBy: input.groupBy ?? null,
        format: input.format ?? "csv",
      } as const;
      return submitExportJob(ctx.app, ctx.workspace, request, `graphql ${JSON.stringify(rest)}`, key);
    },
  }),
);

builder.queryField("exportJob", (t) =>
  t.field({
    type: ExportJobRef,
    errors: {},
    authScopes: { export: true },
    description: "A job of this workspace (NOT_FOUND for an unknown id or another workspace's).",
    args: { id: t.arg.string({ required: true }) },
    resolve: (_root, { id }, ctx) => findJob(ctx.app.db, ctx.workspace.id, id),
  }),
);
