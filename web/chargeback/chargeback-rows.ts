import { formatCell } from "../../src/exports/format-cell.ts";
import { trimDecimal } from "../../src/usage/shared/decimal.ts";
import type { TimeSeries } from "../api/time-series.ts";

/** One department's share of a range: the sums of its time-series results over every bucket. */
export interface ChargebackRow {
  /** Null: usage without a department (API requests, users without one). */
  department: string | null;
  messages: number;
  /** Exact decimal; null when the workspace is not BYOK (the API has no cost then). */
  costUsd: string | null;
}

/** The sum of exact decimal strings, exact (BigInt at the largest scale among them). */
export function sumDecimals(values: readonly string[]): string {
  const scale = Math.max(0, ...values.map((v) => v.split(".")[1]?.length ?? 0));
  let total = 0n;
  for (const v of values) {
    const negative = v.startsWith("-");
    const [whole = "0", fraction = ""] = v.replace(/^-/, "").split(".");
    const n = BigInt(whole + fraction.padEnd(scale, "0"));
    total += negative ? -n : n;
  }
  const digits = (total < 0n ? -total : total).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return trimDecimal(`${total < 0n ? "-" : ""}${text}`);
}

/**
 * Messages and cost per department over the whole range, from a time series
 * grouped by department: the table and its CSV are both made from these rows.
 * Costliest first (busiest when there is no cost), then by name; departments
 * with neither messages nor cost are left out.
 */
export function chargebackRows(series: TimeSeries, byok: boolean): { rows: ChargebackRow[]; total: Omit<ChargebackRow, "department"> } {
  const groups = new Map<string | null, { messages: number; costs: string[] }>();
  for (const bucket of series.buckets)
    for (const r of bucket.results) {
      const g = groups.get(r.department) ?? { messages: 0, costs: [] };
      g.messages += r.messages;
      if (r.costUsd !== null) g.costs.push(r.costUsd);
      groups.set(r.department, g);
    }
  const rows = [...groups]
    .map(([department, g]) => ({ department, messages: g.messages, costUsd: byok ? sumDecimals(g.costs) : null }))
    .filter((r) => r.messages > 0 || (r.costUsd !== null && r.costUsd !== "0"))
    .sort(
      (a, b) =>
        Number(b.costUsd ?? 0) - Number(a.costUsd ?? 0) ||
        b.messages - a.messages ||
        (a.department === null ? 1 : b.department === null ? -1 : a.department.localeCompare(b.department)),
    );
  const total = {
    messages: rows.reduce((sum, r) => sum + r.messages, 0),
    costUsd: byok ? sumDecimals(rows.map((r) => r.costUsd ?? "0")) : null,
  };
  return { rows, total };
}

/** A CSV cell quoted as RFC 4180 asks (and as the exports' writer does): only when it holds a comma, quote or line break. */
const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);

/**
 * The chargeback table as CSV, cells formatted by the exports' own rules
 * (formula-like text escaped, money without trailing zeros), CRLF line ends.
 * No totals row: a spreadsheet sums the column, and a "Total" row could be mistaken for a department.
 */
export function chargebackCsv(rows: readonly ChargebackRow[], period: { startDate: string; endDate: string }, byok: boolean): string {
  const header = ["period_start", "period_end", "department", "messages", ...(byok ? ["cost_usd"] : [])];
  const lines = rows.map((r) => [
    period.startDate,
    period.endDate,
    formatCell("text", r.department),
    String(r.messages),
    ...(byok ? [formatCell("money", r.costUsd)] : []),
  ]);
  return `${[header, ...lines].map((cells) => cells.map(quote).join(",")).join("\r\n")}\r\n`;
}
