import { describe, expect, test } from "vitest";
import { resolvePeriod } from "../../src/periods/period.ts";
import { dueRuns, nextRunTimes, reportPeriod, scheduleProblems, type ReportSchedule } from "../../src/reports/runs/schedule.ts";

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const range = (p: { from: { date: string }; to: { date: string } }) => `${p.from.date}..${p.to.date}`;

describe("weekly schedules", () => {
  // Mondays at 09:00 in Berlin, weeks starting on Monday.
  const berlin: ReportSchedule = { cadence: { kind: "weekly", weekday: 1, time: "09:00" }, timezone: "Europe/Berlin", firstWeekday: 1 };

  test("run at the same wall-clock time across the October DST change", () => {
    // From Saturday 2026-10-17: Mon 19 Oct (UTC+2), Mon 26 Oct (UTC+1 since the 25th), Mon 2 Nov.
    expect(iso(nextRunTimes(berlin, new Date("2026-10-17T00:00:00Z"), 3))).toEqual([
      "2026-10-19T07:00:00.000Z",
      "2026-10-26T08:00:00.000Z",
      "2026-11-02T08:00:00.000Z",
    ]);
  });

  test("the week holding the DST change is covered whole: 7 days of 169 hours", () => {
    const period = reportPeriod(berlin, new Date("2026-10-26T08:00:00Z"));
    expect(range(period)).toBe("2026-10-19..2026-10-25");
    const p = resolvePeriod(period.from, period.to, new Date("2026-10-26T08:00:00Z"));
    expect((p.to.getTime() + 1 - p.from.getTime()) / 3_600_000).toBe(169);
  });

  test("a run exactly at `after` is not repeated; the next one follows", () => {
    expect(iso(nextRunTimes(berlin, new Date("2026-10-19T07:00:00Z"), 1))).toEqual(["2026-10-26T08:00:00.000Z"]);
  });

  test("in UTC+13 (Tongatapu), Monday 09:00 is Sunday 20:00 UTC, and the week is Tonga's", () => {
    const tonga: ReportSchedule = {
      cadence: { kind: "weekly", weekday: 1, time: "09:00" },
      timezone: "Pacific/Tongatapu",
      firstWeekday: 0,
    };
    const [run] = nextRunTimes(tonga, new Date("2026-11-14T00:00:00Z"), 1);
    expect(run!.toISOString()).toBe("2026-11-15T20:00:00.000Z");
    // Weeks start on Sunday there: Monday the 16th reports Sun 8 … Sat 14 November.
    expect(range(reportPeriod(tonga, run!))).toBe("2026-11-08..2026-11-14");
  });

  test("in UTC−10 (Honolulu), Sunday 23:30 is Monday 09:30 UTC", () => {
    const honolulu: ReportSchedule = {
      cadence: { kind: "weekly", weekday: 0, time: "23:30" },
      timezone: "Pacific/Honolulu",
      firstWeekday: 1,
    };
    const [run] = nextRunTimes(honolulu, new Date("2026-11-14T00:00:00Z"), 1);
    expect(run!.toISOString()).toBe("2026-11-16T09:30:00.000Z");
    // Still Sunday the 15th locally: the previous full Monday-week is 2 … 8 November.
    expect(range(reportPeriod(honolulu, run!))).toBe("2026-11-02..2026-11-08");
  });

  test("a time skipped by the spring DST change runs right after the gap", () => {
    const ny: ReportSchedule = { cadence: { kind: "weekly", weekday: 0, time: "02:30" }, timezone: "America/New_York", firstWeekday: 0 };
    // Sunday 8 March 2026: 02:00 → 03:00 local.
    expect(iso(nextRunTimes(ny, new Date("2026-03-07T00:00:00Z"), 1))).toEqual(["2026-03-08T07:30:00.000Z"]);
  });
});

describe("monthly schedules", () => {
  const on31: ReportSchedule = { cadence: { kind: "monthly", dayOfMonth: 31, time: "06:00" }, timezone: "UTC", firstWeekday: 0 };

  test("the 31st runs on the last day of shorter months", () => {
    expect(iso(nextRunTimes(on31, new Date("2026-01-01T00:00:00Z"), 5))).toEqual([
      "2026-01-31T06:00:00.000Z",
      "2026-02-28T06:00:00.000Z",
      "2026-03-31T06:00:00.000Z",
      "2026-04-30T06:00:00.000Z",
      "2026-05-31T06:00:00.000Z",
    ]);
  });

  test("each run covers the previous full calendar month", () => {
    expect(range(reportPeriod(on31, new Date("2026-04-30T06:00:00Z")))).toBe("2026-03-01..2026-03-31");
  });

  test("the first of the month in Auckland (UTC+13 in summer) is still the 31st in UTC", () => {
    const auckland: ReportSchedule = {
      cadence: { kind: "monthly", dayOfMonth: 1, time: "08:00" },
      timezone: "Pacific/Auckland",
      firstWeekday: 1,
    };
    const [run] = nextRunTimes(auckland, new Date("2026-12-15T00:00:00Z"), 1);
    expect(run!.toISOString()).toBe("2026-12-31T19:00:00.000Z");
    expect(range(reportPeriod(auckland, run!))).toBe("2026-12-01..2026-12-31");
  });
});

describe("dueRuns", () => {
  const weekly: ReportSchedule = { cadence: { kind: "weekly", weekday: 1, time: "09:00" }, timezone: "UTC", firstWeekday: 1 };

  test("after three weeks of downtime every missed run is due, oldest first, each with its own week", () => {
    const slots = dueRuns(weekly, new Date("2026-10-01T00:00:00Z"), new Date("2026-10-20T12:00:00Z"));
    expect(slots.map((s) => `${s.runAt.toISOString()} ${range(s.period)}`)).toEqual([
      "2026-10-05T09:00:00.000Z 2026-09-28..2026-10-04",
      "2026-10-12T09:00:00.000Z 2026-10-05..2026-10-11",
      "2026-10-19T09:00:00.000Z 2026-10-12..2026-10-18",
    ]);
  });

  test("nothing is due before the first run time; a run exactly at now is due", () => {
    expect(dueRuns(weekly, new Date("2026-10-05T09:00:00Z"), new Date("2026-10-12T08:59:59Z"))).toEqual([]);
    expect(dueRuns(weekly, new Date("2026-10-05T09:00:00Z"), new Date("2026-10-12T09:00:00Z")).length).toBe(1);
  });
});

test("a schedule's problems are each named", () => {
  expect(scheduleProblems({ cadence: { kind: "monthly", dayOfMonth: 32, time: "24:00" }, timezone: "Moon/Base", firstWeekday: 0 })).toEqual(
    ['time "24:00" must be HH:MM (24-hour)', "dayOfMonth must be 1 to 31", 'timezone "Moon/Base" is not a known IANA time zone'],
  );
  expect(scheduleProblems({ cadence: { kind: "weekly", weekday: 7, time: "9:00" }, timezone: "UTC", firstWeekday: 0 })).toEqual([
    'time "9:00" must be HH:MM (24-hour)',
    "weekday must be 0 (Sunday) to 6 (Saturday)",
  ]);
});
