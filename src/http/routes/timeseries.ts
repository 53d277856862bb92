import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { AccessKey, Workspace } from "../../generated/prisma/client.ts";
import type { AppContext } from "../../runtime/context.ts";
import { parseInput } from "../../errors/input.ts";
import { exportFormatField } from "../shared/export-format.ts";
import { resolvePeriod } from "../../periods/period.ts";
import { bucketWidth } from "../../usage/timeseries/buckets.ts";
import { timeSeriesGroupBy } from "../../usage/timeseries/group-keys.ts";
import { readTimeSeries, type TimeSeriesRequest } from "../../usage/timeseries/read-timeseries.ts";
import { timeSeriesJson } from "../../usage/timeseries/shape.ts";
import { createTimeSeriesExport } from "../../exports/create-timeseries-export.ts";
import { parseJson, readBody } from "../shared/body.ts";
import { sendJson } from "../shared/respond.ts";
import type { JobRequest } from "../../export-jobs/kinds.ts";
import { respondAsync } from "./export-jobs.ts";

const TIMESERIES_BODY_LIMIT_BYTES = 16 * 1024;

/** `/usage/timeseries` and `/export/timeseries`, with or without the `/api/public` prefix. */
export const TIMESERIES_PATH = /^(?:\/api\/public)?\/(usage|export)\/timeseries$/;

/**
 * The body: `from` and `to` go to `resolvePeriod` (the one check of a period's
 * dates); `bucket_width` and `group_by` are checked here, each problem naming its field.
 */
const timeSeriesBody = z.object(
  {
    from: z.unknown().optional(),
    to: z.unknown().optional(),
    bucket_width: bucketWidth,
    group_by: timeSeriesGroupBy,
    // The file's format (POST /export/timeseries only); CSV unless asked.
    format: exportFormatField,
  },
  { error: "Request body must be a JSON object with from, to and bucket_width" },
);

/**
 * POST /usage/timeseries (the series as JSON) and POST /export/timeseries (the
 * same rows as a file, answered like every export), for an authenticated,
 * permitted key within its rate limit (the router's checks).
 */
export async function handleTimeSeries(
  app: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  auth: { key: AccessKey; workspace: Workspace },
  shape: "usage" | "export",
): Promise<void> {
  const body = parseInput(timeSeriesBody, parseJson(await readBody(req, TIMESERIES_BODY_LIMIT_BYTES)));
  const request: TimeSeriesRequest = {
    workspace: auth.workspace,
    period: resolvePeriod(body.from, body.to, app.now()),
    bucketWidth: body.bucket_width,
    groupBy: body.group_by,
  };
  if (shape === "export") {
    const job: JobRequest = {
      kind: "timeseries",
      dataType: "timeseries",
      period: request.period,
      bucketWidth: request.bucketWidth,
      groupBy: [...request.groupBy],
      format: body.format ?? "csv",
    };
    if (await respondAsync(app, req, res, auth, job, body)) return;
    const { absolutePath: _local, ...data } = await createTimeSeriesExport(app, { ...request, format: body.format ?? "csv" });
    return sendJson(res, 200, { success: true, data });
  }
  const series = await readTimeSeries(app, request).series();
  sendJson(res, 200, { success: true, data: timeSeriesJson(series, request.bucketWidth, request.period) });
}
