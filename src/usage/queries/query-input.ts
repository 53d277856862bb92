import type { Period } from "../../periods/period.ts";
import type { GroupBy } from "../data-types.ts";
import type { KeyCount, PeriodFields } from "../../exports/columns/column.ts";

/** What every usage query is asked: whose data, which range, which subgroup rows. */
export interface UsageQueryInput {
  workspace: { id: string; userLevelData: boolean; byok: boolean };
  period: Period;
  groupBy: GroupBy | null;
}

export function periodFields(input: UsageQueryInput): PeriodFields {
  return { periodStart: input.period.startDate, periodEnd: input.period.endDate, orgId: input.workspace.id };
}

/** Reads the `[[key, count], …]` text produced by `keyCountsJson`. */
export function parseKeyCounts(text: string | null): KeyCount[] {
  if (!text) return [];
  return (JSON.parse(text) as [string, number][]).map(([key, count]) => ({ key, count }));
}

/** A SQL numeric already rounded to text, or null; tokens arrive as float8. */
export const num = (v: number | string | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
