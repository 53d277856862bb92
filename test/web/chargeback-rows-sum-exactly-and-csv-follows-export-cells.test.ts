import { expect, test } from "vitest";
import type { TimeSeries } from "../../web/api/time-series.ts";
import { chargebackCsv, chargebackRows, sumDecimals } from "../../web/chargeback/chargeback-rows.ts";

const result = (department: string | null, messages: number, costUsd: string | null) => ({
  department,
  messages,
  costUsd,
  model: null,
  agent: null,
  project: null,
  apiKey: null,
  source: null,
  requests: messages,
});
const series = (byok: boolean): TimeSeries => ({
  bucketWidth: "MONTH",
  groupBy: ["DEPARTMENT"],
  period: { startDate: "2026-09-15", endDate: "2026-10-14", timezone: "UTC" },
  buckets: [
    {
      start: "2026-09-15T00:00:00.000Z",
      end: "2026-10-01T00:00:00.000Z",
      results: [result("Ops", 2, byok ? "0.1" : null), result('=cmd|"x"', 1, byok ? "0.000000001" : null)],
    },
    {
      start: "2026-10-01T00:00:00.000Z",
      end: "2026-10-15T00:00:00.000Z",
      results: [result("Ops", 3, byok ? "0.2" : null), result(null, 0, byok ? "1.5" : null)],
    },
  ],
});

test("decimal sums are exact where floating point is not (0.1 + 0.2), at the largest scale given", () => {
  expect(0.1 + 0.2).not.toBe(0.3);
  expect(sumDecimals(["0.1", "0.2"])).toBe("0.3");
  expect(sumDecimals(["123456789.123456789", "0.000000001", "1"])).toBe("123456790.12345679");
  expect(sumDecimals([])).toBe("0");
  expect(sumDecimals(["-0.5", "0.25"])).toBe("-0.25");
});

test("rows are summed over buckets per department, costliest first, with totals", () => {
  expect(chargebackRows(series(true), true)).toEqual({
    rows: [
      { department: null, messages: 0, costUsd: "1.5" },
      { department: "Ops", messages: 5, costUsd: "0.3" },
      { department: '=cmd|"x"', messages: 1, costUsd: "0.000000001" },
    ],
    total: { messages: 6, costUsd: "1.800000001" },
  });
});

test("without BYOK there is no cost, and a group without messages has nothing to show", () => {
  expect(chargebackRows(series(false), false)).toEqual({
    rows: [
      { department: "Ops", messages: 5, costUsd: null },
      { department: '=cmd|"x"', messages: 1, costUsd: null },
    ],
    total: { messages: 6, costUsd: null },
  });
});

test("the CSV escapes formula-like text and quotes as RFC 4180 asks, CRLF line ends", () => {
  const { rows } = chargebackRows(series(true), true);
  expect(chargebackCsv(rows, series(true).period, true)).toBe(
    [
      "period_start,period_end,department,messages,cost_usd",
      "2026-09-15,2026-10-14,,0,1.5",
      "2026-09-15,2026-10-14,Ops,5,0.3",
      `2026-09-15,2026-10-14,"'=cmd|""x""",1,0.000000001`,
      "",
    ].join("\r\n"),
  );
});
