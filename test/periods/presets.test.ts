import { describe, expect, test } from "vitest";
import { presetRange } from "../../src/periods/presets.ts";
import { resolvePeriodRequest } from "../../src/periods/period-request.ts";

const dates = (r: ReturnType<typeof presetRange>) => `${r.from.date}..${r.to.date}`;

describe("presetRange", () => {
  // Wednesday 2025-07-30, 10:00 UTC — the guide's July 2025 examples.
  const now = new Date("2025-07-30T10:00:00Z");

  test("weeks start on Sunday by default, as in the guide's examples", () => {
    const opts = { timezone: "UTC", firstWeekday: 0, now };
    expect(dates(presetRange("this_week", opts))).toBe("2025-07-27..2025-08-02");
    expect(dates(presetRange("last_week", opts))).toBe("2025-07-20..2025-07-26");
  });

  test("a workspace may start its weeks on Monday", () => {
    const opts = { timezone: "UTC", firstWeekday: 1, now };
    expect(dates(presetRange("this_week", opts))).toBe("2025-07-28..2025-08-03");
    expect(dates(presetRange("last_week", opts))).toBe("2025-07-21..2025-07-27");
  });

  test("on the first weekday itself, this week starts today", () => {
    const sunday = new Date("2025-07-27T00:30:00Z");
    expect(dates(presetRange("this_week", { timezone: "UTC", firstWeekday: 0, now: sunday }))).toBe("2025-07-27..2025-08-02");
  });

  test("months are whole calendar months", () => {
    const opts = { timezone: "UTC", firstWeekday: 0, now };
    expect(dates(presetRange("this_month", opts))).toBe("2025-07-01..2025-07-31");
    expect(dates(presetRange("last_month", opts))).toBe("2025-06-01..2025-06-30");
    const march31 = new Date("2025-03-31T12:00:00Z");
    expect(dates(presetRange("last_month", { ...opts, now: march31 }))).toBe("2025-02-01..2025-02-28");
  });

  test("the calendar is the workspace's: late Sunday in Honolulu is already Monday in Auckland", () => {
    const instant = new Date("2025-08-04T08:00:00Z"); // Sun 22:00 Honolulu, Mon 20:00 Auckland
    expect(dates(presetRange("this_week", { timezone: "Pacific/Honolulu", firstWeekday: 1, now: instant }))).toBe("2025-07-28..2025-08-03");
    expect(dates(presetRange("this_week", { timezone: "Pacific/Auckland", firstWeekday: 1, now: instant }))).toBe("2025-08-04..2025-08-10");
  });
});

describe("resolvePeriodRequest", () => {
  const workspace = { timezone: "Europe/Berlin", firstWeekday: 0 };
  const now = new Date("2026-11-15T12:00:00Z");

  test("a preset resolves in the workspace's time zone, across the October DST change", () => {
    const p = resolvePeriodRequest({ preset: "last_month" }, workspace, now);
    expect(p.from.toISOString()).toBe("2026-09-30T22:00:00.000Z");
    expect(p.to.toISOString()).toBe("2026-10-31T22:59:59.999Z");
  });

  test("a preset and a custom range together are refused", () => {
    expect(() => resolvePeriodRequest({ preset: "this_month", from: { date: "2026-11-01", timezone: "UTC" } }, workspace, now)).toThrow(
      "period: give either a preset or from and to, not both",
    );
  });
});
