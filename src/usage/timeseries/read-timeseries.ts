import type { Database } from "../../db/client.ts";
import { AppError, badRequest } from "../../errors/app-error.ts";
import type { Workspace } from "../../generated/prisma/client.ts";
import type { Period } from "../../periods/period.ts";
import { hasUsage } from "../read-usage.ts";
import { timeBuckets, type BucketWidth } from "./buckets.ts";
import type { TimeSeriesGroupKey } from "./group-keys.ts";
import { readTimeSeriesRows, streamTimeSeriesRows, type TimeSeriesQueryInput } from "./query.ts";
import type { TimeSeries, TimeSeriesResult, TimeSeriesRow } from "./result.ts";

/** Results one JSON or GraphQL answer may hold; past it, 413 naming the CSV route. */
export const MAX_TIMESERIES_RESULTS = 50_000;

export interface TimeSeriesRequest {
  workspace: Workspace;
  period: Period;
  bucketWidth: BucketWidth;
  /** Checked keys (see timeSeriesGroupBy), in the order the results list them. */
  groupBy: readonly TimeSeriesGroupKey[];
  rawOnly?: boolean;
}

/** A checked request: its buckets and its results on demand. */
export interface TimeSeriesRead {
  input: TimeSeriesQueryInput;
  /** True when the workspace has any usage record in the period (else CSV exports answer 404). */
  hasUsage(): Promise<boolean>;
  /** Every bucket with its results (at most MAX_TIMESERIES_RESULTS, else 413). */
  series(): Promise<TimeSeries>;
  /** One row per bucket and group, batch by batch (CSV files). */
  rows(): AsyncGenerator<TimeSeriesRow[], void, undefined>;
}

/**
 * Opens a time-series read: makes the buckets (400 when too many) and checks
 * the keys against the workspace (`deployment` needs BYOK, as for the models
 * export). Nothing is read until `series` or `rows` is called.
 */
export function readTimeSeries(app: { db: Database }, request: TimeSeriesRequest): TimeSeriesRead {
  const { workspace, period, groupBy } = request;
  if (groupBy.includes("deployment") && !workspace.byok) throw badRequest('group_by "deployment" is only available for BYOK workspaces');
  const buckets = timeBuckets(period, request.bucketWidth, workspace.firstWeekday);
  const input: TimeSeriesQueryInput = { workspace, buckets, groupBy, rawOnly: request.rawOnly };
  return {
    input,
    hasUsage: () => hasUsage(app.db, { workspace, period }),
    series: () => readSeries(app.db, input),
    rows: () => rowBatches(app.db, input),
  };
}

async function readSeries(db: Database, input: TimeSeriesQueryInput): Promise<TimeSeries> {
  const rows = await readTimeSeriesRows(db, input, MAX_TIMESERIES_RESULTS + 1);
  if (rows.length > MAX_TIMESERIES_RESULTS)
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `The time series has more than ${MAX_TIMESERIES_RESULTS} results: use POST /export/timeseries (a CSV file), a wider bucket_width, a shorter range or fewer group_by keys`,
    );
  const results: TimeSeriesResult[][] = input.buckets.map(() => []);
  for (const { i, result } of rows) results[i]?.push(result);
  const buckets = input.buckets.map((b, i) => ({ start: b.start, end: b.end, results: results[i] ?? [] }));
  return { groupBy: input.groupBy, byok: input.workspace.byok, buckets };
}

async function* rowBatches(db: Database, input: TimeSeriesQueryInput): AsyncGenerator<TimeSeriesRow[], void, undefined> {
  for await (const batch of streamTimeSeriesRows(db, input))
    yield batch.flatMap(({ i, result }) => {
      const bucket = input.buckets[i];
      return bucket ? [{ ...result, bucketStart: bucket.start, bucketEnd: bucket.end }] : [];
    });
}
