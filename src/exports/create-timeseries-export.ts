import type { AppContext } from "../runtime/context.ts";
import { noData } from "../errors/app-error.ts";
import { writeExport, type ExportResult } from "./create-export.ts";
import type { ExportFormat } from "./export-files.ts";
import { readTimeSeries, type TimeSeriesRequest } from "../usage/timeseries/read-timeseries.ts";
import { timeSeriesColumns, timeSeriesCsvRow, type TimeSeriesCsvRow } from "../usage/timeseries/shape.ts";

/** The `dataType` of a time-series file: names it (`timeseries-usage/…`) and its recorded export. */
export const TIMESERIES_EXPORT_TYPE = "timeseries";

/**
 * A time series as an export file through the one export pipeline: one row per
 * bucket and group (an empty bucket has no row), 404 for a period without usage
 * as for every export. The rows stream from a cursor, so the file's size is not
 * bounded by MAX_TIMESERIES_RESULTS.
 */
export async function createTimeSeriesExport(
  app: AppContext,
  request: TimeSeriesRequest & { format?: ExportFormat; fileSuffix?: string },
  onProgress?: (done: number, total: number) => void,
): Promise<ExportResult<typeof TIMESERIES_EXPORT_TYPE>> {
  const read = readTimeSeries(app, request);
  if (!(await read.hasUsage())) throw noData();
  const series = { groupBy: request.groupBy, byok: request.workspace.byok };
  async function* batches(): AsyncGenerator<TimeSeriesCsvRow[], void, undefined> {
    for await (const batch of read.rows()) yield batch.map((row) => timeSeriesCsvRow(series, row));
  }
  return writeExport(
    app,
    {
      workspaceId: request.workspace.id,
      dataType: TIMESERIES_EXPORT_TYPE,
      period: request.period,
      groupBy: [request.bucketWidth, ...request.groupBy].join(","),
      format: request.format,
      fileSuffix: request.fileSuffix,
      columns: timeSeriesColumns(request.groupBy, request.workspace.byok),
      batches,
    },
    onProgress,
  );
}
