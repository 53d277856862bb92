/**
 * Where each table goes on a distributed PostgreSQL (Citus): the one list that
 * docs/scale-out.md (its DDL is `citusDdl()`, verbatim) and
 * test/db/key-rule.test.ts (which reads the migrated database's catalog)
 * follow. Every table of the database is in exactly one of the three lists;
 * partitions go with their parent.
 */

/** The column every distributed table is hash-distributed by. */
export const DISTRIBUTION_COLUMN = "workspace_id";

/**
 * Per-workspace tables, distributed by workspace_id in one co-location group
 * (the first table anchors it): a workspace's rows of every table share a
 * shard, so a query, which always names its workspace, runs on one worker and
 * joins locally. Every primary key and unique constraint leads with
 * workspace_id, so a shard enforces it alone; a foreign key between two of
 * them includes it. A table comes after the tables it references.
 */
export const DISTRIBUTED_TABLES = [
  "usage_records",
  "usage_record_keys",
  "usage_daily",
  "usage_daily_models",
  "usage_daily_conversations",
  "usage_monthly_user_totals",
  "usage_monthly_user_keys",
  "usage_monthly_agent_users",
  "directory_versions",
  "exports",
  "export_jobs",
  "report_subscriptions",
  "report_runs",
  "delivery_attempts",
] as const;

/**
 * Small tables copied to every node. `workspaces` is joined with every
 * distributed table. Access keys and sessions are looked up by a hash before
 * the workspace is known, on every request: a copy on each node answers that
 * without asking every shard, and they change only when an admin creates or
 * revokes a key or signs in or out. A table comes after the tables it references.
 */
export const REFERENCE_TABLES = ["workspaces", "access_keys", "sessions", "service_secrets"] as const;

/**
 * Tables that stay on the coordinator: nothing joins them with another table.
 * `rate_limits` is written on every request, which a reference table would
 * repeat on every node; `_usage_exports_migrations` is src/db/migrate.ts's own record.
 */
export const LOCAL_TABLES = ["rate_limits", "_usage_exports_migrations"] as const;

/** The statements that place every table, in an order Citus accepts (referenced tables first). */
export function citusDdl(): string {
  const [anchor] = DISTRIBUTED_TABLES;
  return [
    // The rollup and data-version triggers (on usage_records, directory_versions) are refused without it.
    "SET citus.enable_unsafe_triggers = on;",
    ...REFERENCE_TABLES.map((t) => `SELECT create_reference_table('${t}');`),
    ...DISTRIBUTED_TABLES.map((t) =>
      t === anchor
        ? `SELECT create_distributed_table('${t}', '${DISTRIBUTION_COLUMN}');`
        : `SELECT create_distributed_table('${t}', '${DISTRIBUTION_COLUMN}', colocate_with => '${anchor}');`,
    ),
    `-- Left on the coordinator: ${LOCAL_TABLES.join(", ")}.`,
  ].join("\n");
}
