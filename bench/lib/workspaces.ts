import { DISTRIBUTED_TABLES } from "../../src/db/distribution.ts";

/** Ids of the benchmark's workspaces, derived from the main workspace id (`--workspace`, default "bench"). */

export const BENCH_TIMEZONE = "America/New_York";

/** Users of the RSS workspaces (a users export has one row per member). */
export const DEFAULT_RSS_SIZES = [100_000, 300_000, 1_000_000];

export const rssWorkspaceId = (ws: string, users: number) => `${ws}_rss_${sizeLabel(users)}`;
export const ingestWorkspaceIds = (ws: string) => ({ ours: `${ws}_ingest_api`, copy: `${ws}_ingest_copy` });

/** 100000 → "100k", 1000000 → "1m". */
export function sizeLabel(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}m`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}

/** A BYOK workspace in the benchmark's time zone, weeks starting on Monday (as generate-data creates them). */
export async function insertWorkspace(client: { query(sql: string, params?: unknown[]): Promise<unknown> }, id: string, name: string) {
  await client.query(
    `insert into workspaces (id, name, timezone, first_weekday, byok, user_level_data) values ($1, $2, $3, 1, true, true)`,
    [id, name, BENCH_TIMEZONE],
  );
}

/** Deletes workspaces and all their rows (for small scratch workspaces). */
export async function deleteWorkspaces(client: { query(sql: string, params?: unknown[]): Promise<unknown> }, ids: string[]) {
  // Every per-workspace table (src/db/distribution.ts, checked against the schema by the
  // key-rule test), those that reference others first.
  for (const table of [...DISTRIBUTED_TABLES].reverse()) await client.query(`delete from ${table} where workspace_id = any($1)`, [ids]);
  await client.query("delete from workspaces where id = any($1)", [ids]);
}

/**
 * VACUUM (ANALYZE) of every per-workspace table, after a run deleted its scratch
 * workspaces: with autovacuum off (as on the benchmark machine) or behind, their
 * rows would stay as dead tuples in the partitions later runs read (one ingestion
 * case left ~800,000 in last month's usage_daily partition, which the short users
 * exports scan). Plain VACUUM: the next run's scratch rows reuse the space.
 */
export async function vacuumWorkspaceTables(client: { query(sql: string): Promise<unknown> }) {
  await client.query(`vacuum (analyze) ${[...DISTRIBUTED_TABLES, "workspaces"].join(", ")}`);
}
