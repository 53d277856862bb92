import { LRUCache } from "lru-cache";
import type { Database } from "../db/client.ts";
import type { DataType } from "./data-types.ts";
import type { UsageQueryInput } from "./queries/query-input.ts";
import { queryRows } from "./queries/usage-query.ts";
import { USAGE_REPORTS, type RowOf } from "./reports.ts";

/**
 * Dashboards ask the same question again and again (a page of top users, then
 * the next page, then a reload). A data type's rows for one request are kept
 * until the workspace's data version moves (every ingest bumps it), so a hit
 * is always current. Concurrent identical requests share one query.
 */
export interface CachedInput extends UsageQueryInput {
  workspace: UsageQueryInput["workspace"] & { dataVersion: number };
}

/** Rows held across all entries of one database: bounds memory, not entry count. */
const MAX_CACHED_ROWS = 500_000;

type Entry = { rows: unknown[] };
const caches = new WeakMap<Database, { settled: LRUCache<string, Entry>; pending: Map<string, Promise<unknown[]>> }>();

function cacheOf(db: Database) {
  let cache = caches.get(db);
  if (!cache) {
    cache = {
      settled: new LRUCache<string, Entry>({ maxSize: MAX_CACHED_ROWS, sizeCalculation: (e) => Math.max(1, e.rows.length) }),
      pending: new Map(),
    };
    caches.set(db, cache);
  }
  return cache;
}

function keyOf(type: DataType, input: CachedInput): string {
  const { workspace: w, period: p } = input;
  return JSON.stringify([type, w.id, w.dataVersion, w.userLevelData, w.byok, p.from, p.to, p.timezone, p.startDate, p.endDate, input.groupBy, input.rawOnly ?? false]);
}

/** The rows of `type` for `input`, from the cache when the workspace's data has not changed since. */
export async function cachedRows<T extends DataType>(db: Database, type: T, input: CachedInput): Promise<RowOf[T][]> {
  const cache = cacheOf(db);
  const key = keyOf(type, input);
  const hit = cache.settled.get(key);
  if (hit) return hit.rows as RowOf[T][];
  let pending = cache.pending.get(key);
  if (!pending) {
    pending = queryRows<RowOf[T]>(db, USAGE_REPORTS[type].query, input).then(
      (rows) => {
        cache.pending.delete(key);
        cache.settled.set(key, { rows });
        return rows;
      },
      (error: unknown) => {
        cache.pending.delete(key);
        throw error;
      },
    );
    cache.pending.set(key, pending);
  }
  return (await pending) as RowOf[T][];
}
