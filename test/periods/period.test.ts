import { describe, expect, test } from "vitest";
import { AppError } from "../../src/errors/app-error.ts";
import { resolvePeriod } from "../../src/periods/period.ts";

// A fixed "now" for the 12-month rule: Sunday 2026-11-15, 12:00 UTC.
const NOW = new Date("2026-11-15T12:00:00Z");

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError && error.code === "BAD_REQUEST") return error.problems;
    throw error;
  }
  throw new Error("expected a 400");
}

describe("resolvePeriod", () => {
  test("a plain to date includes its whole day, in the request's time zone", () => {
    const p = resolvePeriod({ date: "2026-10-01", timezone: "Europe/Berlin" }, { date: "2026-10-31", timezone: "Europe/Berlin" }, NOW);
    // Berlin is UTC+2 until 25 October 03:00, then UTC+1.
    expect(p.from.toISOString()).toBe("2026-09-30T22:00:00.000Z");
    expect(p.to.toISOString()).toBe("2026-10-31T22:59:59.999Z");
    expect([p.startDate, p.endDate, p.timezone]).toEqual(["2026-10-01", "2026-10-31", "Europe/Berlin"]);
  });

  test("the offset or Z on a date is ignored: the timezone field decides", () => {
    const p = resolvePeriod(
      { date: "2026-01-01T00:00:00.000Z", timezone: "Europe/Berlin" },
      { date: "2026-01-31T23:59:59.999Z", timezone: "Europe/Berlin" },
      NOW,
    );
    expect(p.from.toISOString()).toBe("2025-12-31T23:00:00.000Z");
    expect(p.to.toISOString()).toBe("2026-01-31T22:59:59.999Z");
    const q = resolvePeriod({ date: "2026-01-01T00:00:00+05:00", timezone: "UTC" }, { date: "2026-01-02", timezone: "UTC" }, NOW);
    expect(q.from.toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });

  test("a to date with a time is taken to the millisecond, not to the end of the day", () => {
    const p = resolvePeriod({ date: "2026-10-01", timezone: "UTC" }, { date: "2026-10-02T06:30:00", timezone: "UTC" }, NOW);
    expect(p.to.toISOString()).toBe("2026-10-02T06:30:00.000Z");
  });

  test("a day that springs forward (America/New_York, 8 March 2026) lasts 23 hours", () => {
    const p = resolvePeriod(
      { date: "2026-03-08", timezone: "America/New_York" },
      { date: "2026-03-08", timezone: "America/New_York" },
      NOW,
    );
    expect(p.from.toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(p.to.toISOString()).toBe("2026-03-09T03:59:59.999Z");
  });

  test("a month ending on the 30th and February in a leap-free year end on their last day", () => {
    const sep = resolvePeriod({ date: "2026-09-01", timezone: "UTC" }, { date: "2026-09-30", timezone: "UTC" }, NOW);
    expect(sep.to.toISOString()).toBe("2026-09-30T23:59:59.999Z");
    expect(problems(() => resolvePeriod({ date: "2026-02-01", timezone: "UTC" }, { date: "2026-02-29", timezone: "UTC" }, NOW))).toEqual([
      'to.date "2026-02-29" is not a real calendar date and time',
    ]);
  });

  test("from may start at the first day 12 months back, but not a day earlier", () => {
    const ok = resolvePeriod({ date: "2025-11-15", timezone: "UTC" }, { date: "2025-11-30", timezone: "UTC" }, NOW);
    expect(ok.from.toISOString()).toBe("2025-11-15T00:00:00.000Z");
    expect(problems(() => resolvePeriod({ date: "2025-11-14", timezone: "UTC" }, { date: "2025-11-30", timezone: "UTC" }, NOW))).toEqual([
      "from: Historical data is limited to 12 months",
    ]);
    expect(
      problems(() => resolvePeriod({ date: "2025-11-14T23:59:59.999", timezone: "UTC" }, { date: "2025-11-30", timezone: "UTC" }, NOW)),
    ).toEqual(["from: Historical data is limited to 12 months"]);
  });

  test("the 12-month boundary is the start of that day in the request's time zone", () => {
    // NOW is still 15 November in Honolulu (UTC-10) but already 16 November in Kiritimati (UTC+14).
    const honolulu = resolvePeriod(
      { date: "2025-11-15", timezone: "Pacific/Honolulu" },
      { date: "2025-11-16", timezone: "Pacific/Honolulu" },
      NOW,
    );
    expect(honolulu.from.toISOString()).toBe("2025-11-15T10:00:00.000Z");
    expect(
      problems(() =>
        resolvePeriod({ date: "2025-11-15", timezone: "Pacific/Kiritimati" }, { date: "2025-11-16", timezone: "Pacific/Kiritimati" }, NOW),
      ),
    ).toEqual(["from: Historical data is limited to 12 months"]);
    const kiritimati = resolvePeriod(
      { date: "2025-11-16", timezone: "Pacific/Kiritimati" },
      { date: "2025-11-17", timezone: "Pacific/Kiritimati" },
      NOW,
    );
    expect(kiritimati.from.toISOString()).toBe("2025-11-15T10:00:00.000Z");
  });

  test("from later than to is refused", () => {
    expect(problems(() => resolvePeriod({ date: "2026-10-02", timezone: "UTC" }, { date: "2026-10-01", timezone: "UTC" }, NOW))).toEqual([
      "from must not be later than to",
    ]);
  });

  test("every problem is named with its field, all at once", () => {
    expect(problems(() => resolvePeriod({ date: "yesterday", timezone: "Mars/Olympus" }, undefined, NOW))).toEqual([
      'from.timezone "Mars/Olympus" is not a known IANA time zone; from.date "yesterday" is not an ISO 8601 date (expected YYYY-MM-DD or YYYY-MM-DDTHH:mm:ss.sssZ)',
      "to is required: { date, timezone }",
    ]);
    expect(problems(() => resolvePeriod({ date: "2026-10-01" }, { timezone: "UTC" }, NOW))).toEqual([
      "from.timezone is required",
      "to.date is required",
    ]);
    expect(
      problems(() => resolvePeriod({ date: "2026-10-01T25:00:00", timezone: "UTC" }, { date: "2026-10-01", timezone: "UTC" }, NOW)),
    ).toEqual(['from.date "2026-10-01T25:00:00" is not a real calendar date and time']);
  });
});
