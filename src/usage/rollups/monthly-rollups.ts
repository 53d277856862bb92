import { DateTime } from "luxon";
import { Prisma } from "../../generated/prisma/client.ts";
import { subtractedUnits, usageUnits, type UnitSubset } from "./usage-units.ts";

/**
 * Whole months of the workspace's time zone, read from the monthly rollups
 * (the users export's: user-message-units.ts; the agents export's:
 * agent-message-units.ts); what is left of a period is read as every period
 * is (usage-units.ts: UTC days from the daily rollups, partial days from raw
 * records).
 *
 * The monthly rows are cut by the workspace's zone at the time they were
 * written, and a change of zone rebuilds them (src/workspaces/update-settings.ts).
 * The query checks, in the same snapshot it reads, that the workspace's zone is
 * the period's: if not (a period in another zone, or a rebuild this statement
 * does not see yet), the same months are read from days and raw records
 * instead. Either way the rows are exact.
 */
export interface MonthlyUnitsInput {
  workspaceId: string;
  period: { from: Date; to: Date; timezone: string };
  rawOnly?: boolean;
}

/** The monthly rollups, kept by the usage triggers and rebuilt by usage_monthly_rebuild. */
export const MONTHLY_TABLES = ["usage_monthly_user_totals", "usage_monthly_user_keys", "usage_monthly_agent_users"] as const;

type Range = { from: Date; to: Date };

interface MonthSplit {
  /**
   * The local months (`YYYY-MM-01`, first and last) read from the monthly rows,
   * and the instants they span, [from, until): the whole months of the range, and
   * with `complement` the partial months at its edges it holds most of.
   */
  months: { first: string; last: string; from: Date; until: Date } | null;
  /** Inclusive instant ranges of the range read as units: the partial months it does not take whole. */
  rest: Range[];
  /** Inclusive instant ranges of those months outside the range: read as units and taken away. */
  subtract: Range[];
}

/**
 * Splits the inclusive range [from, to] at the months of `timezone`. `complement`:
 * a partial month at an edge of which the range holds more than half is read
 * whole and the days it does not hold taken away (only for sums: extremes can't be
 * taken away). The last 365 days then read the two days before them, taken away,
 * instead of 29 days of units. Those days are still stored: a period reaches back
 * at most 12 months, so its first month starts at most 13 months back, and
 * retention keeps at least 13 (USAGE_RETENTION_MONTHS).
 */
export function splitLocalMonths(range: Range, timezone: string, complement = false): MonthSplit {
  const start = DateTime.fromJSDate(range.from, { zone: timezone });
  // `to` is inclusive, to the millisecond occurred_at is stored at.
  const end = DateTime.fromMillis(range.to.getTime() + 1, { zone: timezone });
  const pieces: { month: DateTime; next: DateTime; from: DateTime; until: DateTime; monthly: boolean }[] = [];
  for (let month = start.startOf("month"); month < end; month = month.plus({ months: 1 }).startOf("month")) {
    const next = month.plus({ months: 1 }).startOf("month");
    const from = DateTime.max(month, start);
    const until = DateTime.min(next, end);
    const held = until.toMillis() - from.toMillis();
    const whole = held === next.toMillis() - month.toMillis();
    pieces.push({ month, next, from, until, monthly: whole || (complement && held * 2 > next.toMillis() - month.toMillis()) });
  }
  // Whole months are inside the range and taken ones at its edges: the monthly pieces are consecutive.
  const monthly = pieces.filter((p) => p.monthly);
  const inclusive = (from: DateTime, until: DateTime): Range => ({ from: from.toJSDate(), to: new Date(until.toMillis() - 1) });
  const rest = pieces.filter((p) => !p.monthly).map((p) => inclusive(p.from, p.until));
  const first = monthly[0];
  const last = monthly.at(-1);
  if (!first || !last) return { months: null, rest: [range], subtract: [] };
  const subtract: Range[] = [];
  for (const p of monthly) {
    if (p.from > p.month) subtract.push(inclusive(p.month, p.from));
    if (p.until < p.next) subtract.push(inclusive(p.until, p.next));
  }
  return {
    months: { first: first.month.toISODate()!, last: last.month.toISODate()!, from: first.month.toJSDate(), until: last.next.toJSDate() },
    rest,
    subtract,
  };
}

/** Where a period's units come from: whole local months (when any) from a monthly table, the rest as units. */
export interface MonthlySources {
  /**
   * The months read from the monthly rows, and the check that they are cut by the
   * period's zone. `alone`: they are the whole period (nothing else read, nothing
   * taken away), so in zone `rest` holds nothing.
   */
  months: { first: string; last: string; inZone: Prisma.Sql; alone: boolean } | null;
  /** Units (usage-units.ts's columns) of everything the months don't answer, and, negated, what they hold beyond the period. */
  rest: Prisma.Sql;
}

/**
 * `only`: the units the monthly table stands for (usage-units.ts's subsets).
 * `sumsOnly`: the caller only sums the units (no extremes), so partial months
 * may be read whole with the rest taken away (splitLocalMonths's complement):
 * the caller must then drop keys whose records sum to zero.
 */
export function monthlySources(input: MonthlyUnitsInput, only: UnitSubset, sumsOnly = false): MonthlySources {
  const { workspaceId, period } = input;
  const rawOnly = input.rawOnly ?? false;
  const split: MonthSplit = rawOnly ? { months: null, rest: [period], subtract: [] } : splitLocalMonths(period, period.timezone, sumsOnly);
  const parts: Prisma.Sql[] = [];
  const units = (range: Range, guard?: Prisma.Sql) => usageUnits({ workspaceId, period: range, rawOnly, only, guard });
  let months: MonthlySources["months"] = null;
  if (split.months) {
    const { first, last, from, until } = split.months;
    const inZone = Prisma.sql`exists (select from workspaces where id = ${workspaceId} and timezone = ${period.timezone})`;
    months = { first, last, inZone, alone: split.rest.length === 0 && split.subtract.length === 0 };
    // Out of zone, the period's part of those months is read as units; in zone, what the months hold beyond it is taken away.
    const part = {
      from: new Date(Math.max(from.getTime(), period.from.getTime())),
      to: new Date(Math.min(until.getTime() - 1, period.to.getTime())),
    };
    parts.push(Prisma.sql`select * from ${units(part, Prisma.sql`not ${inZone}`)} u`);
    for (const range of split.subtract) parts.push(Prisma.sql`select * from ${subtractedUnits(units(range, inZone))} u`);
  }
  for (const range of split.rest) parts.push(Prisma.sql`select * from ${units(range)} u`);
  // Never empty: with months, their fallback is here (the whole period's, when it is whole months).
  return { months, rest: Prisma.sql`(${Prisma.join(parts, " union all ")})` };
}

/** `where` over a monthly table for the whole months, under the zone check. */
export const monthsWhere = (workspaceId: string, months: NonNullable<MonthlySources["months"]>) =>
  Prisma.sql`workspace_id = ${workspaceId} and month between ${months.first}::date and ${months.last}::date and ${months.inZone}`;
