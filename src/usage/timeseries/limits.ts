// The time series' size limits, in a module of their own with no imports: the
// analytics page (web/chart/hourly-limit.ts) reads the same numbers and rule
// without bundling the server's zod and luxon.

/** Hourly buckets cover at most this many local calendar days (744 buckets, 745 with a DST change back). */
export const MAX_HOURLY_RANGE_DAYS = 31;
/** Buckets per request, whatever the width: over three years of days. */
export const MAX_BUCKETS = 1_200;

const HOUR_MS = 3_600_000;

/**
 * Whether hourly buckets may cover `[fromMs, endMs)`: at most MAX_HOURLY_RANGE_DAYS
 * days of 24 hours, plus the hour a DST change back adds (so a whole 31-day month
 * qualifies in every zone).
 */
export function hourlyRangeAllowed(fromMs: number, endMs: number): boolean {
  return endMs - fromMs <= (MAX_HOURLY_RANGE_DAYS * 24 + 1) * HOUR_MS;
}
