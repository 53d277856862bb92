import { DateTime } from "luxon";
import { z } from "zod";
import { badRequest } from "../../errors/app-error.ts";
import type { Period } from "../../periods/period.ts";
import { startOfWeek } from "../../periods/presets.ts";
import { hourlyRangeAllowed, MAX_BUCKETS, MAX_HOURLY_RANGE_DAYS } from "./limits.ts";

/** Local hours, days, weeks (from the workspace's first weekday) and calendar months. */
export const BUCKET_WIDTHS = ["1h", "1d", "1w", "1mo"] as const;
export type BucketWidth = (typeof BUCKET_WIDTHS)[number];

/** A `bucket_width` field: one of BUCKET_WIDTHS. */
export const bucketWidth = z.enum(BUCKET_WIDTHS, {
  error: (issue) => (issue.input === undefined ? "is required" : `"${String(issue.input)}" is not one of ${BUCKET_WIDTHS.join(", ")}`),
});

/** One bucket: `start` <= occurredAt < `end`; `last` is its last millisecond (the instant directory attributes are read at). */
export interface TimeBucket {
  start: Date;
  end: Date;
  last: Date;
}

/** The local calendar unit holding `dt`: where its bucket would start if the range did not clip it. */
function unitStart(dt: DateTime, width: BucketWidth, firstWeekday: number): DateTime {
  switch (width) {
    case "1h":
      return dt.startOf("hour");
    case "1d":
      return dt.startOf("day");
    case "1w":
      return startOfWeek(dt, firstWeekday);
    case "1mo":
      return dt.startOf("month");
  }
}

/** The next unit's start: hours are 60 real minutes (a DST day has 23 or 25), the others calendar units. */
function nextUnit(dt: DateTime, width: BucketWidth): DateTime {
  switch (width) {
    case "1h":
      return dt.plus({ hours: 1 });
    case "1d":
      return dt.plus({ days: 1 });
    case "1w":
      return dt.plus({ weeks: 1 });
    case "1mo":
      return dt.plus({ months: 1 });
  }
}

/**
 * The buckets of a period in its time zone, clipped to it: the first starts at
 * `from`, the last ends right after `to` (inclusive). 400 when the width makes
 * too many buckets (MAX_BUCKETS) or hours span over MAX_HOURLY_RANGE_DAYS.
 */
export function timeBuckets(period: Period, width: BucketWidth, firstWeekday: number): TimeBucket[] {
  const from = period.from.getTime();
  const endMs = period.to.getTime() + 1;
  if (width === "1h" && !hourlyRangeAllowed(from, endMs))
    throw badRequest(`bucket_width 1h covers at most ${MAX_HOURLY_RANGE_DAYS} days; choose a shorter range or a wider bucket`);
  const buckets: TimeBucket[] = [];
  let unit = unitStart(DateTime.fromMillis(from, { zone: period.timezone }), width, firstWeekday);
  while (unit.toMillis() < endMs) {
    const next = nextUnit(unit, width);
    const start = Math.max(unit.toMillis(), from);
    const end = Math.min(next.toMillis(), endMs);
    if (buckets.length === MAX_BUCKETS)
      throw badRequest(
        `bucket_width ${width} makes more than ${MAX_BUCKETS} buckets for this range; choose a shorter range or a wider bucket`,
      );
    buckets.push({ start: new Date(start), end: new Date(end), last: new Date(end - 1) });
    unit = next;
  }
  return buckets;
}
