import type { Period } from "../../periods/period.ts";
import type { Column, ColumnKind } from "../shared/column.ts";
import type { BucketWidth } from "./buckets.ts";
import type { TimeSeriesGroupKey } from "./group-keys.ts";
import type { TimeSeries, TimeSeriesResult, TimeSeriesRow } from "./result.ts";

// The one layout of a time series' results, for the REST/CLI JSON and the CSV
// file alike: the group keys in the order asked, then the metrics the workspace
// may see (tokens and cost only for BYOK workspaces, as in the exports).

type Value = string | number | null;

interface Metric {
  name: string;
  kind: ColumnKind;
  description: string;
  byok: boolean;
  value(r: TimeSeriesResult): string | number;
}

const METRICS: readonly Metric[] = [
  { name: "messages", kind: "int", byok: false, description: "Users' messages on every surface", value: (r) => r.messages },
  { name: "requests", kind: "int", byok: false, description: "Model requests: messages and API requests", value: (r) => r.requests },
  { name: "input_tokens", kind: "int", byok: true, description: "Total input tokens", value: (r) => r.inputTokens },
  { name: "output_tokens", kind: "int", byok: true, description: "Total output tokens", value: (r) => r.outputTokens },
  { name: "cached_prompt_tokens", kind: "int", byok: true, description: "Cache-read input tokens", value: (r) => r.cachedPromptTokens },
  {
    name: "cache_creation_tokens",
    kind: "int",
    byok: true,
    description: "Cache-write input tokens",
    value: (r) => r.cacheCreationTokens,
  },
  { name: "no_cache_tokens", kind: "int", byok: true, description: "Input tokens not served from cache", value: (r) => r.noCacheTokens },
  { name: "cost_usd", kind: "money", byok: true, description: "Estimated provider cost in USD", value: (r) => r.costUsd },
];

const visibleMetrics = (byok: boolean) => METRICS.filter((m) => byok || !m.byok);

/** A result's fields, keyed by column name; `money` as the caller writes it (a JSON number, or CSV text). */
function resultFields(series: Pick<TimeSeries, "groupBy" | "byok">, r: TimeSeriesResult, money: (text: string) => Value) {
  const fields: Record<string, Value> = {};
  series.groupBy.forEach((key, i) => {
    fields[key] = r.keys[i] ?? null;
  });
  for (const m of visibleMetrics(series.byok)) {
    const value = m.value(r);
    fields[m.name] = typeof value === "string" ? money(value) : value;
  }
  return fields;
}

/** `data` of POST /usage/timeseries (and the CLI's JSON): instants in ISO 8601, counts and cost as JSON numbers. */
export function timeSeriesJson(series: TimeSeries, bucketWidth: BucketWidth, period: Period) {
  return {
    bucketWidth,
    dateRange: { from: period.from.toISOString(), to: period.to.toISOString() },
    buckets: series.buckets.map((b) => ({
      start: b.start.toISOString(),
      end: b.end.toISOString(),
      results: b.results.map((r) => resultFields(series, r, Number)),
    })),
  };
}

/** A CSV row: cells by column name. */
export type TimeSeriesCsvRow = Record<string, Value>;

/** The CSV's columns: `bucket_start`, `bucket_end`, the group keys in the order given, then the visible metrics. */
export function timeSeriesColumns(groupBy: readonly TimeSeriesGroupKey[], byok: boolean): Column<TimeSeriesCsvRow>[] {
  const column = (name: string, kind: ColumnKind, description: string): Column<TimeSeriesCsvRow> => ({
    name,
    field: name,
    kind,
    description,
  });
  return [
    column("bucket_start", "text", "Start of the bucket (ISO 8601 instant, included)"),
    column("bucket_end", "text", "End of the bucket (ISO 8601 instant, excluded)"),
    ...groupBy.map((key) => column(key, "text", `Group key ${key} (empty: records without one)`)),
    ...visibleMetrics(byok).map((m) => column(m.name, m.kind, m.description)),
  ];
}

/** One CSV row of a bucket's result. */
export function timeSeriesCsvRow(series: Pick<TimeSeries, "groupBy" | "byok">, row: TimeSeriesRow): TimeSeriesCsvRow {
  return {
    bucket_start: row.bucketStart.toISOString(),
    bucket_end: row.bucketEnd.toISOString(),
    ...resultFields(series, row, (text) => text),
  };
}
