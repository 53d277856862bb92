import type { Database, RawSession } from "../../db/client.ts";

/**
 * Makes sure the usage tables have a partition for each month given
 * (`YYYY-MM-01`, src/usage/partitions/months.ts) and holds them until the
 * session's transaction ends, so retention cannot drop one under a writer: SQL
 * function `usage_partitions_ensure` (prisma/migrations/…_usage_monthly_partitions).
 * Months that exist cost a catalog look-up and a lock each; a missing one is
 * created and attached, writers taking turns.
 */
export async function lockUsagePartitions(session: RawSession, months: Iterable<string>): Promise<void> {
  const list = [...new Set(months)];
  if (list.length === 0) return;
  await session.query("select usage_partitions_ensure($1::date[])::text", [`{${list.join(",")}}`]);
}

/**
 * The same, in a short transaction of its own: for months ahead (the
 * create-usage-partitions job) and for writers that insert rows themselves
 * rather than through ingestion (bulk loads, test fixtures).
 */
export async function ensureUsagePartitions(db: Database, months: Iterable<string>): Promise<void> {
  await db.inRawTransaction((session) => lockUsagePartitions(session, months));
}
