import { parseInput } from "../errors/input.ts";
import type { Period } from "../periods/period.ts";
import { resolvePeriod } from "../periods/period.ts";
import { BUCKET_WIDTHS, type BucketWidth } from "../usage/timeseries/buckets.ts";
import { TIMESERIES_GROUP_KEYS, timeSeriesGroupBy, type TimeSeriesGroupKey } from "../usage/timeseries/group-keys.ts";
import { readTimeSeries } from "../usage/timeseries/read-timeseries.ts";
import type { TimeSeries, TimeSeriesBucket, TimeSeriesResult } from "../usage/timeseries/result.ts";
import { builder } from "./builder.ts";
import { enumValues } from "./enum-values.ts";
import { DateInputRef, PeriodRef } from "./period.ts";
import { FOLLOWS_DATA_VERSION } from "./response-cache-hint.ts";

// usageTimeSeries: the numbers of POST /usage/timeseries, typed. A result has
// one nullable field per group key (null unless grouped by it, or for records
// without that key) and the metrics; tokens and cost are null unless BYOK.

const WIDTH_NAMES: Record<BucketWidth, string> = { "1h": "HOUR", "1d": "DAY", "1w": "WEEK", "1mo": "MONTH" };
const BucketWidthEnum = builder.enumType("TimeSeriesBucketWidth", {
  description: "Local hours, days, weeks (from the workspace's first weekday) and calendar months; REST names them 1h, 1d, 1w, 1mo.",
  values: Object.fromEntries(BUCKET_WIDTHS.map((value) => [WIDTH_NAMES[value], { value }])),
});
const GroupKeyEnum = builder.enumType("TimeSeriesGroupKey", { values: enumValues(TIMESERIES_GROUP_KEYS) });

interface SeriesNode extends TimeSeries {
  bucketWidth: BucketWidth;
  period: Period;
}
interface BucketNode {
  bucket: TimeSeriesBucket;
  series: SeriesNode;
}
interface ResultNode {
  result: TimeSeriesResult;
  series: SeriesNode;
}

const byokOnly = "BYOK workspaces only (null otherwise), as in the exports.";
const KEY_FIELDS: Record<TimeSeriesGroupKey, [field: string, description: string]> = {
  model: ["model", "Normalized model name"],
  provider: ["provider", "Model provider"],
  source: ["source", "Request source (WEB, MOBILE, API, …)"],
  deployment: ["deployment", "BYOK deployment's name as of the bucket's end (null for non-BYOK records)"],
  user: ["user", "User id (null for API requests); ids stay when user-level data is off, names never appear"],
  department: ["department", "The user's department as of the bucket's end (null for API requests)"],
  agent: ["agent", "Agent id (null for messages outside agents)"],
  project: ["project", "Project id (null for messages outside projects)"],
  api_key: ["apiKey", "Platform API key id (null for messages)"],
};

const ResultRef = builder.objectRef<ResultNode>("TimeSeriesResult").implement({
  description: "One group's numbers in one bucket.",
  fields: (t) => {
    const key = (name: TimeSeriesGroupKey) =>
      t.string({
        nullable: true,
        description: `${KEY_FIELDS[name][1]}; null unless grouped by ${name}.`,
        resolve: ({ result, series }) => {
          const i = series.groupBy.indexOf(name);
          return i < 0 ? null : (result.keys[i] ?? null);
        },
      });
    const tokens = (field: "inputTokens" | "outputTokens" | "cachedPromptTokens" | "cacheCreationTokens" | "noCacheTokens", what: string) =>
      t.field({
        type: "SafeInt",
        nullable: true,
        description: `${what}. ${byokOnly}`,
        resolve: ({ result, series }) => (series.byok ? result[field] : null),
      });
    return {
      ...Object.fromEntries(TIMESERIES_GROUP_KEYS.map((name) => [KEY_FIELDS[name][0], key(name)])),
      messages: t.field({ type: "SafeInt", description: "Users' messages on every surface", resolve: ({ result }) => result.messages }),
      requests: t.field({
        type: "SafeInt",
        description: "Model requests: messages and API requests",
        resolve: ({ result }) => result.requests,
      }),
      inputTokens: tokens("inputTokens", "Total input tokens"),
      outputTokens: tokens("outputTokens", "Total output tokens"),
      cachedPromptTokens: tokens("cachedPromptTokens", "Cache-read input tokens"),
      cacheCreationTokens: tokens("cacheCreationTokens", "Cache-write input tokens"),
      noCacheTokens: tokens("noCacheTokens", "Input tokens not served from cache"),
      costUsd: t.field({
        type: "Decimal",
        nullable: true,
        description: `Estimated provider cost in USD. ${byokOnly}`,
        resolve: ({ result, series }) => (series.byok ? result.costUsd : null),
      }),
    };
  },
});

const BucketRef = builder.objectRef<BucketNode>("TimeSeriesBucket").implement({
  description: "One bucket, clipped to the range: start <= occurredAt < end.",
  fields: (t) => ({
    start: t.field({ type: "DateTime", resolve: ({ bucket }) => bucket.start }),
    end: t.field({ type: "DateTime", resolve: ({ bucket }) => bucket.end }),
    results: t.field({
      type: [ResultRef],
      description: "Busiest first (requests descending, then keys); empty for a bucket without usage.",
      resolve: ({ bucket, series }) => bucket.results.map((result) => ({ result, series })),
    }),
  }),
});

const SeriesRef = builder.objectRef<SeriesNode>("UsageTimeSeries").implement({
  description: "Usage per bucket of a range, optionally per group; the same numbers as POST /usage/timeseries.",
  fields: (t) => ({
    bucketWidth: t.field({ type: BucketWidthEnum, resolve: (s) => s.bucketWidth }),
    groupBy: t.field({ type: [GroupKeyEnum], resolve: (s) => [...s.groupBy] }),
    period: t.field({ type: PeriodRef, resolve: (s) => s.period }),
    buckets: t.field({
      type: [BucketRef],
      description: "Every bucket of the range, in order",
      resolve: (s) => s.buckets.map((bucket) => ({ bucket, series: s })),
    }),
  }),
});

builder.queryField("usageTimeSeries", (t) =>
  t.field({
    type: SeriesRef,
    errors: {},
    authScopes: { query: true },
    extensions: FOLLOWS_DATA_VERSION,
    description: "Usage per local hour, day, week or month of a range, optionally split by group keys (in the order given).",
    args: {
      from: t.arg({ type: DateInputRef, required: true }),
      to: t.arg({ type: DateInputRef, required: true }),
      bucketWidth: t.arg({ type: BucketWidthEnum, required: true }),
      groupBy: t.arg({ type: [GroupKeyEnum], description: "Absent or empty: one result per bucket" }),
    },
    resolve: async (_root, args, ctx) => {
      const period = resolvePeriod(args.from, args.to, ctx.app.now());
      const groupBy = parseInput(timeSeriesGroupBy, args.groupBy, (path) => `groupBy${path.length > 0 ? `.${path.join(".")}` : ""}`);
      const request = { workspace: ctx.workspace, period, bucketWidth: args.bucketWidth, groupBy };
      const series = await readTimeSeries(ctx.app, request).series();
      return { ...series, bucketWidth: args.bucketWidth, period };
    },
  }),
);
