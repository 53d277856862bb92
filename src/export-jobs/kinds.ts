import { z } from "zod";
import type { Prisma, Workspace } from "../generated/prisma/client.ts";
import type { AppContext } from "../runtime/context.ts";
import { createExport } from "../exports/create-export.ts";
import { createTimeSeriesExport } from "../exports/create-timeseries-export.ts";
import { EXPORT_FORMATS } from "../exports/export-files.ts";
import { JSON_ROW_LIMIT, jsonRowsBody, readJsonRows } from "../exports/json-rows.ts";
import { usageInput } from "../usage/read-usage.ts";
import { canonicalDataType, EXPORT_TYPES } from "../usage/shared/data-types.ts";
import { bucketWidth } from "../usage/timeseries/buckets.ts";
import { TIMESERIES_GROUP_KEYS } from "../usage/timeseries/group-keys.ts";
import { readTimeSeries } from "../usage/timeseries/read-timeseries.ts";

/** A period as stored with a job (its instants as ISO text). */
const storedPeriod = z.object({
  from: z.string().transform((s) => new Date(s)),
  to: z.string().transform((s) => new Date(s)),
  startDate: z.string(),
  endDate: z.string(),
  timezone: z.string(),
});

/**
 * What a job exports, one kind per export route: `file` (POST /export/{type}),
 * `json` (POST /export/{type}/json) and `timeseries` (POST /export/timeseries).
 * Stored as JSON in `export_jobs.request` and read back through this schema.
 */
export const jobRequest = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("file"),
    dataType: z.enum(EXPORT_TYPES),
    period: storedPeriod,
    groupBy: z.string().nullable(),
    format: z.enum(EXPORT_FORMATS),
  }),
  z.object({ kind: z.literal("json"), dataType: z.enum(EXPORT_TYPES), period: storedPeriod, groupBy: z.string().nullable() }),
  z.object({
    kind: z.literal("timeseries"),
    dataType: z.literal("timeseries"),
    period: storedPeriod,
    bucketWidth,
    groupBy: z.array(z.enum(TIMESERIES_GROUP_KEYS)),
    format: z.enum(EXPORT_FORMATS),
  }),
]);
export type JobRequest = z.output<typeof jobRequest>;

/** The JSON stored for a request (dates as ISO text, as `storedPeriod` reads them). */
export function storableRequest(request: JobRequest): Prisma.InputJsonObject {
  const { from, to, ...rest } = request.period;
  return { ...request, period: { ...rest, from: from.toISOString(), to: to.toISOString() } };
}

/**
 * The checks the synchronous route makes after reading the body (`group_by`
 * against the data type and the workspace, BYOK-only keys), made before a job
 * is created, so that a job never fails for input a synchronous request is refused for.
 */
export async function checkJobRequest(app: AppContext, workspace: Workspace, request: JobRequest): Promise<void> {
  if (request.kind === "timeseries") {
    readTimeSeries(app, { workspace, period: request.period, bucketWidth: request.bucketWidth, groupBy: request.groupBy });
    return;
  }
  await usageInput(app, workspace, canonicalDataType(request.dataType), request.period, request.groupBy);
}

/** What running a request reports: rows written so far (and throws to stop, see run-job.ts). */
export type OnRows = (rows: number) => void;

/**
 * Runs a request through the synchronous route's own pipeline and returns its
 * 200's `data` as JSON text: for a file without `downloadUrl`, which is signed
 * when the job is read (see status.ts). `fileSuffix` names the file, so a rerun
 * writes the same one.
 */
export async function runJobRequest(
  app: AppContext,
  workspaceId: string,
  request: JobRequest,
  fileSuffix: string,
  onRows: OnRows,
): Promise<{ resultText: string; rows: number }> {
  const onProgress = (done: number) => onRows(done);
  if (request.kind === "json") {
    const data = await readJsonRows(
      app,
      { workspaceId, dataType: request.dataType, period: request.period, groupBy: request.groupBy },
      JSON_ROW_LIMIT,
    );
    // `jsonRowsBody` writes the rows as the synchronous answer does (key order, decimal digits); its `data` is the result.
    const body = jsonRowsBody(data);
    return { resultText: body.slice(JSON_ROWS_PREFIX.length, -1), rows: data.recordCount };
  }
  const written =
    request.kind === "file"
      ? await createExport(
          app,
          { workspaceId, dataType: request.dataType, period: request.period, groupBy: request.groupBy, format: request.format, fileSuffix },
          onProgress,
        )
      : await createTimeSeriesExport(
          app,
          {
            workspace: await app.db.prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId } }),
            period: request.period,
            bucketWidth: request.bucketWidth,
            groupBy: request.groupBy,
            format: request.format,
            fileSuffix,
          },
          onProgress,
        );
  const { filePath, dataType, recordCount, dateRange } = written;
  return { resultText: JSON.stringify({ filePath, dataType, recordCount, dateRange }), rows: recordCount };
}

const JSON_ROWS_PREFIX = '{"success":true,"data":';
