import { Prisma } from "../../generated/prisma/client.ts";
import type { PeriodFields } from "./column.ts";
import { periodFields, type UsageQueryInput } from "./query-input.ts";

/** A SQL numeric already rounded to text, or null; tokens arrive as float8. */
export const num = (v: number | string | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * The four token sums every data type has, as `sum_prompt`, `sum_completion`,
 * `sum_cached`, `sum_cache_creation`. Summed as float8: exact while a sum stays
 * below 2^53 (what a float8 result can hold exactly anyway), and several times
 * cheaper than bigint's numeric sum.
 */
export const TOKEN_SUMS = Prisma.sql`sum(prompt_tokens::float8) as sum_prompt, sum(completion_tokens::float8) as sum_completion,
  sum(cached_prompt_tokens::float8) as sum_cached, sum(cache_creation_tokens::float8) as sum_cache_creation`;

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

type TokenTotals = ReturnType<typeof tokenTotals>;

/**
 * The row mapper of a type with token sums: `toRow` gets each SQL row with its
 * token totals and the period fields (worked out once; copy them field by field,
 * see periodFields). Shared because users, agents, API keys and models map rows alike.
 */
export function tokenRowMapper<SqlRow extends TokenSumsRow, Row>(
  input: UsageQueryInput,
  toRow: (r: SqlRow, t: TokenTotals, period: PeriodFields) => Row,
): (r: SqlRow) => Row {
  const period = periodFields(input);
  return (r) => toRow(r, tokenTotals(r), period);
}
