import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { cursorBatches } from "../../db/cursor.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import { splitPeriod, UNIT_FROM_RAW, UNIT_FROM_ROLLUP } from "../rollups/usage-units.ts";
import { TOKEN_SUMS, tokenTotals, type TokenSumsRow } from "../shared/token-sums.ts";
import type { TimeBucket } from "./buckets.ts";
import { keyColumns, keyValues, type TimeSeriesGroupKey } from "./group-keys.ts";
import type { TimeSeriesResult } from "./result.ts";

/** What one time-series read is asked. */
export interface TimeSeriesQueryInput {
  workspace: { id: string; userLevelData: boolean; byok: boolean };
  buckets: readonly TimeBucket[];
  groupBy: readonly TimeSeriesGroupKey[];
  /** Read raw records only, never the daily rollups: the reference the rollup path is tested against. */
  rawOnly?: boolean;
}

interface SqlRow extends TokenSumsRow {
  i: number;
  keys: unknown;
  messages: number;
  requests: number;
  cost: string;
}

const DAY_MS = 86_400_000;

/**
 * Where the buckets' records are read from: whole UTC days inside a bucket from
 * the daily rollups, the rest from raw records (as every export reads a period).
 * Hour buckets, and day buckets in a zone off UTC, hold no whole UTC day, so they
 * read raw records only (the rollups have no hour). Adjacent ranges are merged:
 * hours read as one raw span, UTC days as one rollup span. Spans are inclusive:
 * raw ones to the millisecond, the precision occurred_at is stored at.
 */
function readSpans(buckets: readonly TimeBucket[], rawOnly: boolean) {
  const days: { first: number; last: number }[] = [];
  const raw: { lo: number; hi: number }[] = [];
  for (const b of buckets) {
    const split = splitPeriod({ from: b.start, to: b.last }, rawOnly);
    if (split.days) {
      const first = Date.parse(split.days.first);
      const last = Date.parse(split.days.last);
      const prev = days.at(-1);
      if (prev && prev.last + DAY_MS === first) prev.last = last;
      else days.push({ first, last });
    }
    for (const e of split.edges) {
      const lo = e.from.getTime();
      const hi = e.to.getTime() - (e.through ? 0 : 1);
      const prev = raw.at(-1);
      if (prev && prev.hi + 1 === lo) prev.hi = hi;
      else raw.push({ lo, hi });
    }
  }
  const isoDay = (ms: number) => Prisma.sql`${new Date(ms).toISOString().slice(0, 10)}::date`;
  // The outer bounds keep the index scan within the range whatever the planner makes of the list.
  const within = <T>(spans: T[], column: string, lo: (s: T) => Prisma.Sql, hi: (s: T) => Prisma.Sql) => {
    const [first] = spans;
    const last = spans.at(-1);
    if (!first || !last) return null;
    const between = (a: Prisma.Sql, b: Prisma.Sql) => Prisma.sql`${Prisma.raw(column)} between ${a} and ${b}`;
    return Prisma.sql`${between(lo(first), hi(last))} and (${Prisma.join(
      spans.map((s) => between(lo(s), hi(s))),
      " or ",
    )})`;
  };
  return {
    days: within(
      days,
      "day",
      (d) => isoDay(d.first),
      (d) => isoDay(d.last),
    ),
    raw: within(
      raw,
      "occurred_at",
      (r) => Prisma.sql`${new Date(r.lo)}`,
      (r) => Prisma.sql`${new Date(r.hi)}`,
    ),
  };
}

/**
 * Usage per bucket and group, busiest first within each bucket. A unit's bucket
 * is found by `width_bucket` over the buckets' starts (a rollup day by its UTC
 * midnight). Units are first summed per bucket and raw key (user id, deployment
 * id, …); directory attributes (department, deployment name) are then read as of
 * each bucket's end (`last_at`), and the sums regrouped by the result keys. No
 * step joins two derived tables: without statistics (embedded PGlite) the planner
 * would take them for single rows and loop.
 */
function timeSeriesSql(input: TimeSeriesQueryInput, limit: number | null): Prisma.Sql {
  const ws = input.workspace.id;
  const spans = readSpans(input.buckets, input.rawOnly ?? false);
  const starts = `{${input.buckets.map((b) => b.start.toISOString()).join(",")}}`;
  const bucketOf = (at: Prisma.Sql) => Prisma.sql`width_bucket(${at}, ${starts}::timestamptz[]) - 1`;
  const parts: Prisma.Sql[] = [];
  if (spans.days)
    parts.push(Prisma.sql`select ${bucketOf(Prisma.sql`day::timestamp at time zone 'UTC'`)} as i, ${UNIT_FROM_ROLLUP}
      from usage_daily where workspace_id = ${ws} and ${spans.days}`);
  if (spans.raw)
    parts.push(Prisma.sql`select ${bucketOf(Prisma.sql`occurred_at`)} as i, ${UNIT_FROM_RAW}
      from usage_records where workspace_id = ${ws} and ${spans.raw}`);
  const lasts = `{${input.buckets.map((b) => b.last.toISOString()).join(",")}}`;
  const cols = andThen(keyColumns(input.groupBy));
  const keys = input.groupBy.map((_, i) => Prisma.raw(`k${i}`));
  return Prisma.sql`
    with units as (${Prisma.join(parts, " union all ")}),
    agg as (
      select i ${cols},
        coalesce(sum(records) filter (where kind = 'message'), 0) as messages, sum(records) as records,
        sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens,
        sum(cached_prompt_tokens) as cached_prompt_tokens, sum(cache_creation_tokens) as cache_creation_tokens,
        sum(cost_usd) as cost_usd
      from units group by i ${cols}
    ),
    keyed as (
      select a.* ${andThen(keyValues(ws, input.groupBy))}
      from (select *, (${lasts}::timestamptz[])[i + 1] as last_at from agg) a
    )
    select i, jsonb_build_array(${keys.length > 0 ? Prisma.join(keys) : Prisma.empty}) as keys,
      sum(messages)::float8 as messages, sum(records)::float8 as requests, ${TOKEN_SUMS},
      round(sum(cost_usd), 6)::text as cost
    from keyed group by i ${andThen(keys)}
    order by i, requests desc ${andThen(keys)}
    ${limit === null ? Prisma.empty : Prisma.sql`limit ${limit}`}`;
}

/** `, a, b` after a list's first item (nothing for no items). */
const andThen = (items: Prisma.Sql[]) => (items.length > 0 ? Prisma.sql`, ${Prisma.join(items)}` : Prisma.empty);

const Keys = z.array(z.string().nullable());

/** A SQL row as a result of bucket `i`; token totals and no_cache as every export works them out. */
function toResult(r: SqlRow): { i: number; result: TimeSeriesResult } {
  const t = tokenTotals(r);
  const result = {
    keys: Keys.parse(r.keys),
    messages: r.messages,
    requests: r.requests,
    inputTokens: t.prompt,
    outputTokens: t.completion,
    cachedPromptTokens: t.cached,
    cacheCreationTokens: t.cacheCreation,
    noCacheTokens: t.noCache,
    costUsd: r.cost,
  };
  return { i: r.i, result };
}

/** Every result at once, at most `limit` (JSON and GraphQL answers); each with its bucket's index. */
export async function readTimeSeriesRows(
  db: Database,
  input: TimeSeriesQueryInput,
  limit: number,
): Promise<{ i: number; result: TimeSeriesResult }[]> {
  // Usage reads go to the replica when there is one (DATABASE_READ_URL), as the exports' do.
  return (await db.replica.read<SqlRow>(timeSeriesSql(input, limit))).map(toResult);
}

/** Results batch by batch through a cursor (CSV files: memory stays flat). */
export async function* streamTimeSeriesRows(
  db: Database,
  input: TimeSeriesQueryInput,
  batchSize = 1_000,
): AsyncGenerator<{ i: number; result: TimeSeriesResult }[], void, undefined> {
  for await (const batch of cursorBatches<SqlRow>(db.replica, timeSeriesSql(input, null), batchSize)) yield batch.map(toResult);
}
