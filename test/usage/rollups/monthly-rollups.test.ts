import { expect, test } from "vitest";
import { splitLocalMonths } from "../../../src/usage/rollups/monthly-rollups.ts";

const at = (iso: string) => new Date(iso);
const iso = (split: ReturnType<typeof splitLocalMonths>) => ({
  months: split.months && {
    first: split.months.first,
    last: split.months.last,
    from: split.months.from.toISOString(),
    until: split.months.until.toISOString(),
  },
  rest: split.rest.map((r) => [r.from.toISOString(), r.to.toISOString()]),
  subtract: split.subtract.map((r) => [r.from.toISOString(), r.to.toISOString()]),
});

test("a year of days in New York holds its eleven whole months, with the partial ones left at its edges", () => {
  const split = splitLocalMonths({ from: at("2025-12-02T05:00:00Z"), to: at("2026-12-02T04:59:59.999Z") }, "America/New_York");
  expect(iso(split)).toEqual({
    months: { first: "2026-01-01", last: "2026-11-01", from: "2026-01-01T05:00:00.000Z", until: "2026-12-01T05:00:00.000Z" },
    rest: [
      ["2025-12-02T05:00:00.000Z", "2026-01-01T04:59:59.999Z"],
      ["2026-12-01T05:00:00.000Z", "2026-12-02T04:59:59.999Z"],
    ],
    subtract: [],
  });
});

test("a whole month across a DST change is one month and nothing else", () => {
  // Sydney's October: +10:00 at its start, +11:00 at its end.
  const split = splitLocalMonths({ from: at("2026-09-30T14:00:00Z"), to: at("2026-10-31T12:59:59.999Z") }, "Australia/Sydney");
  expect(iso(split)).toEqual({
    months: { first: "2026-10-01", last: "2026-10-01", from: "2026-09-30T14:00:00.000Z", until: "2026-10-31T13:00:00.000Z" },
    rest: [],
    subtract: [],
  });
});

test("a period holding no whole month is left whole, and one ending at a month's last millisecond holds it", () => {
  const range = { from: at("2026-10-02T00:00:00Z"), to: at("2026-11-30T23:59:59.999Z") };
  expect(iso(splitLocalMonths(range, "UTC"))).toEqual({
    months: { first: "2026-11-01", last: "2026-11-01", from: "2026-11-01T00:00:00.000Z", until: "2026-12-01T00:00:00.000Z" },
    rest: [["2026-10-02T00:00:00.000Z", "2026-10-31T23:59:59.999Z"]],
    subtract: [],
  });
  const within = { from: at("2026-10-02T00:00:00Z"), to: at("2026-10-30T23:59:59.999Z") };
  expect(iso(splitLocalMonths(within, "UTC"))).toEqual({
    months: null,
    rest: [[within.from.toISOString(), within.to.toISOString()]],
    subtract: [],
  });
});

test("a month whose last millisecond is missing is not whole", () => {
  const split = splitLocalMonths({ from: at("2026-10-01T00:00:00Z"), to: at("2026-10-31T23:59:59.998Z") }, "UTC");
  expect(split.months).toBeNull();
});

test("with complements, a year of days in New York reads its first month whole and takes its first day away", () => {
  const split = splitLocalMonths({ from: at("2025-12-02T05:00:00Z"), to: at("2026-12-02T04:59:59.999Z") }, "America/New_York", true);
  expect(iso(split)).toEqual({
    months: { first: "2025-12-01", last: "2026-11-01", from: "2025-12-01T05:00:00.000Z", until: "2026-12-01T05:00:00.000Z" },
    rest: [["2026-12-01T05:00:00.000Z", "2026-12-02T04:59:59.999Z"]],
    subtract: [["2025-12-01T05:00:00.000Z", "2025-12-02T04:59:59.999Z"]],
  });
});

test("with complements, a month is read whole only when the range holds more than half of it", () => {
  // November has 30 days: 15 are half, 16 more.
  const half = splitLocalMonths({ from: at("2026-11-16T00:00:00Z"), to: at("2026-11-30T23:59:59.999Z") }, "UTC", true);
  expect(half.months).toBeNull();
  const more = splitLocalMonths({ from: at("2026-11-15T00:00:00Z"), to: at("2026-11-30T23:59:59.999Z") }, "UTC", true);
  expect(iso(more)).toEqual({
    months: { first: "2026-11-01", last: "2026-11-01", from: "2026-11-01T00:00:00.000Z", until: "2026-12-01T00:00:00.000Z" },
    rest: [],
    subtract: [["2026-11-01T00:00:00.000Z", "2026-11-14T23:59:59.999Z"]],
  });
});

test("with complements, most of one month takes away the days at both of its ends", () => {
  const split = splitLocalMonths({ from: at("2026-10-02T00:00:00Z"), to: at("2026-10-30T23:59:59.999Z") }, "UTC", true);
  expect(iso(split)).toEqual({
    months: { first: "2026-10-01", last: "2026-10-01", from: "2026-10-01T00:00:00.000Z", until: "2026-11-01T00:00:00.000Z" },
    rest: [],
    subtract: [
      ["2026-10-01T00:00:00.000Z", "2026-10-01T23:59:59.999Z"],
      ["2026-10-31T00:00:00.000Z", "2026-10-31T23:59:59.999Z"],
    ],
  });
});
