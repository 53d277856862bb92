import type { Database } from "../../db/client.ts";

/**
 * Recomputes what is derived from a workspace's raw records, in one
 * transaction: its rollups (SQL function `usage_rollups_rebuild`, next to the
 * trigger that maintains them, in prisma/migrations) and its record keys
 * (`usage_record_keys_rebuild`: the ids a re-sent record is checked against).
 * For bulk loads that bypass the trigger and as the repair tool should a rollup
 * ever be doubted. Bumps the data version so cached results are dropped.
 */
export async function rebuildRollups(db: Database, workspaceId: string): Promise<void> {
  await db.prisma.$transaction(
    async (tx) => {
      await tx.$queryRaw`select usage_record_keys_rebuild(${workspaceId})::text`;
      await tx.$queryRaw`select usage_rollups_rebuild(${workspaceId})::text`;
    },
    { timeout: 60 * 60_000, maxWait: 60_000 },
  );
}
