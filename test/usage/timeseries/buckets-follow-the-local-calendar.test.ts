import { describe, expect, test } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { resolvePeriod } from "../../../src/periods/period.ts";
import { timeBuckets, type BucketWidth } from "../../../src/usage/timeseries/buckets.ts";
import { MAX_BUCKETS, MAX_HOURLY_RANGE_DAYS } from "../../../src/usage/timeseries/limits.ts";

const NOW = new Date("2026-11-15T12:00:00Z");
const period = (from: string, to: string, timezone: string) => resolvePeriod({ date: from, timezone }, { date: to, timezone }, NOW);
/** Each bucket as `start → end` in UTC. */
const spans = (from: string, to: string, timezone: string, width: BucketWidth, firstWeekday = 0) =>
  timeBuckets(period(from, to, timezone), width, firstWeekday).map((b) => `${b.start.toISOString()} → ${b.end.toISOString()}`);
const hours = (from: string, to: string, timezone: string, width: BucketWidth) =>
  timeBuckets(period(from, to, timezone), width, 0).map((b) => (b.end.getTime() - b.start.getTime()) / 3_600_000);

describe("hour buckets", () => {
  test("New York's spring-forward day has 23 hours: 01:00 EST is followed by 03:00 EDT", () => {
    const buckets = spans("2026-03-08", "2026-03-08", "America/New_York", "1h");
    expect(buckets).toHaveLength(23);
    expect(buckets.slice(0, 3)).toEqual([
      "2026-03-08T05:00:00.000Z → 2026-03-08T06:00:00.000Z",
      "2026-03-08T06:00:00.000Z → 2026-03-08T07:00:00.000Z",
      "2026-03-08T07:00:00.000Z → 2026-03-08T08:00:00.000Z",
    ]);
    expect(buckets.at(-1)).toBe("2026-03-09T03:00:00.000Z → 2026-03-09T04:00:00.000Z");
  });

  test("Berlin's spring-forward day has 23 and its fall-back day 25 (01:00 UTC appears once per offset)", () => {
    expect(spans("2026-03-29", "2026-03-29", "Europe/Berlin", "1h")).toHaveLength(23);
    const autumn = spans("2026-10-25", "2026-10-25", "Europe/Berlin", "1h");
    expect(autumn).toHaveLength(25);
    expect(autumn.slice(1, 3)).toEqual([
      "2026-10-24T23:00:00.000Z → 2026-10-25T00:00:00.000Z", // 01:00–02:00 CEST
      "2026-10-25T00:00:00.000Z → 2026-10-25T01:00:00.000Z", // 02:00–03:00 CEST, then the same wall-clock hour in CET
    ]);
  });

  test("hours of a zone 45 minutes off the hour start at :15 UTC; a range starting mid-hour clips its first bucket", () => {
    expect(spans("2026-03-08", "2026-03-08", "Asia/Kathmandu", "1h")[0]).toBe("2026-03-07T18:15:00.000Z → 2026-03-07T19:15:00.000Z");
    expect(spans("2026-03-10T10:30:00", "2026-03-10T12:15:00", "UTC", "1h")).toEqual([
      "2026-03-10T10:30:00.000Z → 2026-03-10T11:00:00.000Z",
      "2026-03-10T11:00:00.000Z → 2026-03-10T12:00:00.000Z",
      "2026-03-10T12:00:00.000Z → 2026-03-10T12:15:00.001Z",
    ]);
  });

  test(`at most ${MAX_HOURLY_RANGE_DAYS} days of hours (744 buckets; 743 across spring-forward)`, () => {
    expect(spans("2026-03-01", "2026-03-31", "America/New_York", "1h")).toHaveLength(743);
    expect(() => spans("2026-03-01", "2026-04-01", "America/New_York", "1h")).toThrow(
      new AppError("BAD_REQUEST", "bucket_width 1h covers at most 31 days; choose a shorter range or a wider bucket"),
    );
  });
});

describe("day, week and month buckets", () => {
  test("local days: the spring-forward day is 23 hours long, the others 24", () => {
    expect(hours("2026-03-07", "2026-03-09", "America/New_York", "1d")).toEqual([24, 23, 24]);
  });

  test("weeks start on the workspace's first weekday and are clipped to the range", () => {
    // 1 March 2026 is a Sunday; weeks start on Monday (1).
    expect(spans("2026-03-01", "2026-03-20", "America/New_York", "1w", 1)).toEqual([
      "2026-03-01T05:00:00.000Z → 2026-03-02T05:00:00.000Z",
      "2026-03-02T05:00:00.000Z → 2026-03-09T04:00:00.000Z",
      "2026-03-09T04:00:00.000Z → 2026-03-16T04:00:00.000Z",
      "2026-03-16T04:00:00.000Z → 2026-03-21T04:00:00.000Z",
    ]);
    expect(spans("2026-03-01", "2026-03-20", "America/New_York", "1w", 0)).toHaveLength(3);
  });

  test("calendar months of the zone, clipped to the range", () => {
    expect(spans("2026-02-25", "2026-04-10", "Europe/Berlin", "1mo")).toEqual([
      "2026-02-24T23:00:00.000Z → 2026-02-28T23:00:00.000Z",
      "2026-02-28T23:00:00.000Z → 2026-03-31T22:00:00.000Z",
      "2026-03-31T22:00:00.000Z → 2026-04-10T22:00:00.000Z",
    ]);
  });

  test(`at most ${MAX_BUCKETS} buckets`, () => {
    expect(() => spans("2026-01-01", "2030-01-01", "UTC", "1d")).toThrow(
      new AppError(
        "BAD_REQUEST",
        `bucket_width 1d makes more than ${MAX_BUCKETS} buckets for this range; choose a shorter range or a wider bucket`,
      ),
    );
    expect(spans("2026-01-01", "2030-01-01", "UTC", "1w")).toHaveLength(210);
  });
});
