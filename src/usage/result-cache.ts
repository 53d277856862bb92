import { LRUCache } from "lru-cache";
import type { Database } from "../db/client.ts";
import { DATA_TYPE_SLICES, type RowOf } from "./registry.ts";
import type { DataType } from "./shared/data-types.ts";
import type { UsageQueryInput } from "./shared/query-input.ts";
import { queryRows, type UsageQuery } from "./shared/usage-query.ts";

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

/** A result and the orderings already asked of it (sorting 20,000 rows per request would dominate a dashboard). */
type Entry = { rows: unknown[]; sorted: Map<string, unknown[]> };
const caches = new WeakMap<Database, { settled: LRUCache<string, Entry>; pending: Map<string, Promise<Entry>> }>();

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

export interface RowOrder<Row> {
  field: keyof Row & string;
  direction: "ASC" | "DESC";
}

/**
 * The rows of `type` for `input` (in `order`, else export order), from the cache
 * when the workspace's data has not changed since.
 */
export async function cachedRows<T extends DataType>(
  db: Database,
  type: T,
  input: CachedInput,
  order?: RowOrder<RowOf[T]> | null,
): Promise<RowOf[T][]> {
  const entry = await cachedEntry(db, type, input);
  if (!order) return entry.rows as RowOf[T][];
  const orderKey = `${order.field} ${order.direction}`;
  let sorted = entry.sorted.get(orderKey);
  if (!sorted) {
    sorted = sortRows(entry.rows as RowOf[T][], order.field, order.direction);
    entry.sorted.set(orderKey, sorted);
  }
  return sorted as RowOf[T][];
}

async function cachedEntry(db: Database, type: DataType, input: CachedInput): Promise<Entry> {
  const cache = cacheOf(db);
  const key = keyOf(type, input);
  const hit = cache.settled.get(key);
  if (hit) return hit;
  let pending = cache.pending.get(key);
  if (!pending) {
    pending = queryRows<unknown>(db, DATA_TYPE_SLICES[type].query as UsageQuery<unknown>, input).then(
      (rows) => {
        const entry: Entry = { rows, sorted: new Map() };
        cache.pending.delete(key);
        cache.settled.set(key, entry);
        return entry;
      },
      (error: unknown) => {
        cache.pending.delete(key);
        throw error;
      },
    );
    cache.pending.set(key, pending);
  }
  return pending;
}

/** A stable sort on one field (numbers compared as numbers, nulls last); ties keep the export order. */
export function sortRows<Row>(rows: readonly Row[], field: keyof Row, direction: "ASC" | "DESC"): Row[] {
  const sign = direction === "ASC" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[field] as unknown;
    const y = b[field] as unknown;
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
    if (y === null || y === undefined) return -1;
    const nx = Number(x);
    const ny = Number(y);
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return (nx - ny) * sign;
    return String(x).localeCompare(String(y)) * sign;
  });
}
