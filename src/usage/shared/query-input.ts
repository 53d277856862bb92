import { z } from "zod";
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

/** The `[[key, count], …]` text produced by `keyCountsJson`. */
const KeyCountPairs = z.array(z.tuple([z.string(), z.number()]));

/** Reads the `[[key, count], …]` text produced by `keyCountsJson`. */
export function parseKeyCounts(text: string | null): KeyCount[] {
  if (!text) return [];
  return KeyCountPairs.parse(JSON.parse(text)).map(([key, count]) => ({ key, count }));
}
