import { LRUCache } from "lru-cache";
import { resultCacheLookups } from "../metrics/registry.ts";
import type { Database } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { DATA_TYPE_SLICES, type RowOf } from "./registry.ts";
import type { DataType } from "./shared/data-types.ts";
import type { UsageQueryInput } from "./shared/query-input.ts";
import { queryRows, type UsageQuery } from "./shared/usage-query.ts";

/**
 * Dashboards ask the same question again and again (a page of top users, then
 * the next page, then a reload). A data type's rows for one request are kept
 * until the workspace's data version moves (every ingest bumps it), so a hit
 * is always current. Concurrent identical requests share one query. Rows are
 * read on the replica when there is one (`Database.replica`), see `versionedRows`.
 */
export interface CachedInput extends UsageQueryInput {
  workspace: UsageQueryInput["workspace"] & { dataVersion: number };
}

/** Rows held across all entries of one database: bounds memory, not entry count. */
const MAX_CACHED_ROWS = 500_000;

/** A result and the orderings already asked of it (sorting 20,000 rows per request would dominate a dashboard). */
type Entry<Row> = { rows: Row[]; sorted: Map<string, Row[]> };

/**
 * Results are filed under their data type, so a read gets back the row type it
 * stored; one LRU over all of them bounds the rows kept (evicting a key drops
 * its result).
 */
interface Cache {
  kept: LRUCache<string, { type: DataType; rows: number }>;
  settled: { [T in DataType]: Map<string, Entry<RowOf[T]>> };
  pending: { [T in DataType]: Map<string, Promise<Entry<RowOf[T]>>> };
}
const caches = new WeakMap<Database, Cache>();

function cacheOf(db: Database): Cache {
  let cache = caches.get(db);
  if (!cache) {
    const settled: Cache["settled"] = { users: new Map(), agents: new Map(), api_keys: new Map(), projects: new Map(), models: new Map() };
    cache = {
      kept: new LRUCache({
        maxSize: MAX_CACHED_ROWS,
        sizeCalculation: (k) => Math.max(1, k.rows),
        dispose: (k, key) => settled[k.type].delete(key),
      }),
      settled,
      pending: { users: new Map(), agents: new Map(), api_keys: new Map(), projects: new Map(), models: new Map() },
    };
    caches.set(db, cache);
  }
  return cache;
}

function keyOf(type: DataType, input: CachedInput): string {
  const { workspace: w, period: p } = input;
  return JSON.stringify([
    type,
    w.id,
    w.dataVersion,
    w.userLevelData,
    w.byok,
    p.from,
    p.to,
    p.timezone,
    p.startDate,
    p.endDate,
    input.groupBy,
    input.rawOnly ?? false,
  ]);
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
  if (!order) return entry.rows;
  const orderKey = `${order.field} ${order.direction}`;
  let sorted = entry.sorted.get(orderKey);
  if (!sorted) {
    sorted = sortRows(entry.rows, order.field, order.direction);
    entry.sorted.set(orderKey, sorted);
  }
  return sorted;
}

async function cachedEntry<T extends DataType>(db: Database, type: T, input: CachedInput): Promise<Entry<RowOf[T]>> {
  const cache = cacheOf(db);
  const key = keyOf(type, input);
  const settled = cache.settled[type];
  const pendings = cache.pending[type];
  const hit = cache.kept.get(key) && settled.get(key);
  resultCacheLookups.inc({ result: hit ? "hit" : "miss" });
  if (hit) return hit;
  let pending = pendings.get(key);
  if (!pending) {
    const query: UsageQuery<RowOf[T]> = DATA_TYPE_SLICES[type].query;
    pending = versionedRows(db, query, input).then(
      ({ version, rows }) => {
        const entry: Entry<RowOf[T]> = { rows, sorted: new Map() };
        pendings.delete(key);
        // Filed under the version the rows were read with, which may not be the request's.
        if (version === null) return entry; // the replica has not replayed the workspace's creation yet
        const readKey = keyOf(type, { ...input, workspace: { ...input.workspace, dataVersion: version } });
        // A result larger than the whole cache is not kept (the LRU refuses it).
        cache.kept.set(readKey, { type, rows: rows.length });
        if (cache.kept.has(readKey)) settled.set(readKey, entry);
        return entry;
      },
      (error: unknown) => {
        pendings.delete(key);
        throw error;
      },
    );
    pendings.set(key, pending);
  }
  return pending;
}

/**
 * The rows and the workspace's data version, read in one snapshot of the replica
 * (or of the primary, without one). The request's version comes from the primary
 * (its authentication, or `readUsage`'s workspace read); a replica may not have
 * replayed that version's ingest yet. Filed under the primary's version, rows
 * read before the replay would be served as current until the next ingest;
 * filed under the version of their own snapshot, they are found only by a
 * request of that version, whatever the lag. (A lagging replica answers the
 * request itself with its older rows: reads there trail writes by the lag.)
 */
async function versionedRows<Row>(
  db: Database,
  query: UsageQuery<Row>,
  input: CachedInput,
): Promise<{ version: number | null; rows: Row[] }> {
  return db.replica.inReadTransaction(async (session) => {
    const [workspace] = await session.query<{ version: number }>("select data_version as version from workspaces where id = $1", [
      input.workspace.id,
    ]);
    const rows = await queryRows({ read: <R>(sql: Prisma.Sql) => session.query<R>(sql.text, sql.values) }, query, input);
    return { version: workspace?.version ?? null, rows };
  });
}

/** A stable sort on one field (numbers compared as numbers, nulls last); ties keep the export order. */
function sortRows<Row>(rows: readonly Row[], field: keyof Row, direction: "ASC" | "DESC"): Row[] {
  const sign = direction === "ASC" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x: unknown = a[field];
    const y: unknown = b[field];
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
    if (y === null || y === undefined) return -1;
    const nx = Number(x);
    const ny = Number(y);
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return (nx - ny) * sign;
    return String(x).localeCompare(String(y)) * sign;
  });
}
