import type { Period } from "../../periods/period.ts";
import type { KeyCount, PeriodFields } from "./column.ts";
import type { GroupBy } from "./data-types.ts";

/** What every usage query is asked: whose data, which range, which subgroup rows. */
export interface UsageQueryInput {
  workspace: { id: string; userLevelData: boolean; byok: boolean };
  period: Period;
  groupBy: GroupBy | null;
  /** Read raw records only, never the daily rollups: the reference the rollup path is tested against. */
  rawOnly?: boolean;
}

/**
 * The three columns every row repeats. Copy them field by field: `{ ...common, 35 more }`
 * runs 100× slower in Node 20's V8 (2.5 s instead of 25 ms for 20,000 users).
 */
export function periodFields(input: UsageQueryInput): PeriodFields {
  return { periodStart: input.period.startDate, periodEnd: input.period.endDate, orgId: input.workspace.id };
}

/**
 * Reads the `[[key, count], …]` text produced by `keyCountsJson`. Checked by
 * hand rather than by a zod schema: an export parses four per row, and zod took
 * as long as JSON.parse itself (~0.3 s per 76,000 maps); most maps are empty.
 */
export function parseKeyCounts(text: string | null): KeyCount[] {
  if (!text || text === "[]") return [];
  const pairs: unknown = JSON.parse(text);
  if (!Array.isArray(pairs)) throw new TypeError(`key counts: not a list: ${text.slice(0, 80)}`);
  return pairs.map((pair: unknown) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "number")
      throw new TypeError(`key counts: not a [key, count] pair: ${JSON.stringify(pair)?.slice(0, 80)}`);
    return { key: pair[0], count: pair[1] };
  });
}
