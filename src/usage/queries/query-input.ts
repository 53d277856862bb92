import { Prisma } from "../../generated/prisma/client.ts";
import type { Period } from "../../periods/period.ts";
import type { GroupBy } from "../data-types.ts";
import type { KeyCount, PeriodFields } from "../../exports/columns/column.ts";

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

/** Reads the `[[key, count], …]` text produced by `keyCountsJson`. */
export function parseKeyCounts(text: string | null): KeyCount[] {
  if (!text) return [];
  return (JSON.parse(text) as [string, number][]).map(([key, count]) => ({ key, count }));
}

/** A SQL numeric already rounded to text, or null; tokens arrive as float8. */
export const num = (v: number | string | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/** The four token sums every data type reports, as `sum_prompt`, `sum_completion`, `sum_cached`, `sum_cache_creation`. */
export const TOKEN_SUMS = Prisma.sql`sum(prompt_tokens)::float8 as sum_prompt, sum(completion_tokens)::float8 as sum_completion,
  sum(cached_prompt_tokens)::float8 as sum_cached, sum(cache_creation_tokens)::float8 as sum_cache_creation`;

export interface TokenSumsRow {
  sum_prompt: number | null;
  sum_completion: number | null;
  sum_cached: number | null;
  sum_cache_creation: number | null;
}

/** Token sums of a row (0 where it had no requests) and the derived `no_cache` count. */
export function tokenTotals(r: TokenSumsRow) {
  const prompt = num(r.sum_prompt);
  const cached = num(r.sum_cached);
  const cacheCreation = num(r.sum_cache_creation);
  // no_cache = total input − cache-read − cache-write (SPEC §2).
  return { prompt, completion: num(r.sum_completion), cached, cacheCreation, noCache: prompt - cached - cacheCreation };
}
