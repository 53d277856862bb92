import type { RangeChoice, Workspace } from "./analytics.ts";
import { FAILURE, gql, graphql, unwrap, type DataOf, type ResultOf, type VariablesOf } from "./graphql.ts";

// usageTimeSeries (src/schema/usage-time-series.ts): the chart's and the chargeback view's one source.
// Each result carries only the keys the page groups by; a key is null unless grouped by it.
const TIME_SERIES = graphql(
  `
  query TimeSeries($from: DateInput!, $to: DateInput!, $bucketWidth: TimeSeriesBucketWidth!, $groupBy: [TimeSeriesGroupKey!]) {
    usageTimeSeries(from: $from, to: $to, bucketWidth: $bucketWidth, groupBy: $groupBy) {
      __typename ...Failure
      ... on QueryUsageTimeSeriesSuccess {
        data {
          bucketWidth groupBy period { startDate endDate timezone }
          buckets { start end results { model department agent project apiKey source messages requests costUsd } }
        }
      }
    }
  }
`,
  [FAILURE],
);

type Variables = VariablesOf<typeof TIME_SERIES>;
export type BucketWidth = Variables["bucketWidth"];
type GroupKey = NonNullable<Variables["groupBy"]>[number];
export type TimeSeries = DataOf<ResultOf<typeof TIME_SERIES>["usageTimeSeries"]>;
type TimeSeriesBucket = TimeSeries["buckets"][number];
export type TimeSeriesResult = TimeSeriesBucket["results"][number];

/** The group keys the page offers (a subset of the API's), and the result field each is read from. */
export const PAGE_GROUP_KEYS = ["MODEL", "DEPARTMENT", "AGENT", "PROJECT", "API_KEY", "SOURCE"] as const;
export type PageGroupKey = (typeof PAGE_GROUP_KEYS)[number] & GroupKey;
const KEY_FIELD = {
  MODEL: "model",
  DEPARTMENT: "department",
  AGENT: "agent",
  PROJECT: "project",
  API_KEY: "apiKey",
  SOURCE: "source",
} as const satisfies Record<PageGroupKey, keyof TimeSeriesResult>;

/** A result's value of the key it is grouped by (null: records without that key, e.g. messages outside agents). */
export const keyOf = (result: TimeSeriesResult, key: PageGroupKey): string | null => result[KEY_FIELD[key]];

/** The calendar dates of a range choice in the workspace's time zone (a preset's dates as the workspace query gave them). */
export function rangeDates(range: RangeChoice, workspace: Workspace): { from: string; to: string } {
  if (!("preset" in range)) return { from: range.from, to: range.to };
  const preset = workspace.presets.find((p) => p.preset === range.preset);
  return { from: preset?.startDate ?? workspace.today, to: preset?.endDate ?? workspace.today };
}

export async function loadTimeSeries(
  dates: { from: string; to: string },
  timezone: string,
  bucketWidth: BucketWidth,
  groupBy: PageGroupKey | null,
): Promise<TimeSeries> {
  const d = await gql(TIME_SERIES, {
    from: { date: dates.from, timezone },
    to: { date: dates.to, timezone },
    bucketWidth,
    groupBy: groupBy ? [groupBy] : [],
  });
  return unwrap(d.usageTimeSeries);
}
