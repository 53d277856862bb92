import { expect, test } from "vitest";
import { resolvePeriod } from "../../src/periods/period.ts";
import { timeBuckets } from "../../src/usage/timeseries/buckets.ts";
import { hourlyAllowed } from "../../web/chart/hourly-limit.ts";
import { FIXTURE_NOW } from "../fixtures/small-workspace.ts";

test.each([
  ["UTC", "2026-10-01", "2026-10-31", true],
  ["UTC", "2026-09-30", "2026-10-31", false],
  // October in Berlin ends summer time: 745 hours, still the 31 days allowed.
  ["Europe/Berlin", "2026-10-01", "2026-10-31", true],
  ["Europe/Berlin", "2026-09-30", "2026-10-31", false],
  // March starts it: 743 hours.
  ["Europe/Berlin", "2026-03-01", "2026-03-31", true],
  ["America/New_York", "2026-11-01", "2026-11-30", true],
  ["Asia/Kolkata", "2026-07-01", "2026-07-31", true],
  ["Asia/Kolkata", "2026-07-01", "2026-08-01", false],
  ["UTC", "2026-11-15", "2026-11-15", true],
])("in %s, %s to %s: hours allowed %s, as the server decides", (timezone, from, to, allowed) => {
  const period = resolvePeriod({ date: from, timezone }, { date: to, timezone }, FIXTURE_NOW);
  const serverAccepts = (() => {
    try {
      timeBuckets(period, "1h", 0);
      return true;
    } catch {
      return false;
    }
  })();
  expect([hourlyAllowed({ from, to }, timezone), serverAccepts]).toEqual([allowed, allowed]);
});
