import type { TimeSeriesGroupKey } from "./group-keys.ts";

/** One group's numbers in one bucket. */
export interface TimeSeriesResult {
  /** The group's key values, in `group_by` order (null: records without that key, e.g. API requests have no user). */
  keys: (string | null)[];
  /** Users' messages on every surface (as the users export's messages_total). */
  messages: number;
  /** Model requests: messages and API requests (as the models export's requests). */
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedPromptTokens: number;
  cacheCreationTokens: number;
  noCacheTokens: number;
  /** Rounded to 6 decimals, as text. */
  costUsd: string;
}

export interface TimeSeriesBucket {
  start: Date;
  end: Date;
  /** Busiest first: by requests descending, then by the keys. */
  results: TimeSeriesResult[];
}

/** A whole time series as every surface (REST, GraphQL, CSV, CLI) reads it. */
export interface TimeSeries {
  groupBy: readonly TimeSeriesGroupKey[];
  /** Whether token and cost figures may be shown (BYOK workspaces only, as in the exports). */
  byok: boolean;
  buckets: TimeSeriesBucket[];
}

/** A result with its bucket: one CSV row. */
export interface TimeSeriesRow extends TimeSeriesResult {
  bucketStart: Date;
  bucketEnd: Date;
}
