import type { Database } from "../db/client.ts";
import type { Prisma } from "../generated/prisma/client.ts";

/** The longest a change of time zone may take: it re-cuts every month of the workspace's messages. */
const REBUILD_TIMEOUT_MS = 60 * 60_000;

/**
 * Stores a change of a workspace's settings (`write`, in a transaction). A new
 * time zone re-cuts the monthly users and agents rollups, whose months are the
 * workspace's (usage_monthly_rebuild), in the same transaction: the usage lock
 * first, exclusively, as writers take it before the workspace row, so none adds
 * records between the change and the rebuild. At ten million records that is
 * about a minute and a half (73 + 7 s on the benchmark machine), inside Node's
 * 300 s request timeout; any other change is a plain update.
 */
export async function updateWorkspaceSettings<T>(
  db: Database,
  workspaceId: string,
  change: { timezone?: string },
  write: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  if (change.timezone === undefined) return write(db.prisma);
  return db.prisma.$transaction(
    async (tx) => {
      await tx.$queryRaw`select pg_advisory_xact_lock(hashtextextended(${`usage-rollups:${workspaceId}`}, 0))::text`;
      const before = await tx.workspace.findUnique({ where: { id: workspaceId }, select: { timezone: true } });
      const result = await write(tx);
      if (before && before.timezone !== change.timezone) await tx.$queryRaw`select usage_monthly_rebuild(${workspaceId})::text`;
      return result;
    },
    { timeout: REBUILD_TIMEOUT_MS, maxWait: 60_000 },
  );
}
