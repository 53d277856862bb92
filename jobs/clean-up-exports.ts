import { rm } from "node:fs/promises";
import type { AppContext } from "../src/context.ts";
import { resolveExportFile } from "../src/exports/export-files.ts";
import type { Job } from "./job.ts";

const HOUR_MS = 60 * 60 * 1000;
/** Files per run; a larger backlog is picked up by the next run. */
const BATCH = 500;

/**
 * Deletes export files older than EXPORT_RETENTION_HOURS, file first, then its
 * row, so a crash in between leaves a row whose file is gone (404) rather than
 * an orphan file. Idempotent: several instances may run it at once.
 */
export async function cleanUpExpiredExports(app: AppContext): Promise<{ deleted: number }> {
  const cutoff = new Date(app.now().getTime() - app.env.exportRetentionHours * HOUR_MS);
  const expired = await app.db.prisma.export.findMany({
    where: { createdAt: { lt: cutoff } },
    select: { id: true, filePath: true },
    orderBy: { createdAt: "asc" },
    take: BATCH,
  });
  for (const e of expired) {
    const file = resolveExportFile(app.exportDir, e.filePath);
    if (file) await rm(file, { force: true });
  }
  const { count } = await app.db.prisma.export.deleteMany({ where: { id: { in: expired.map((e) => e.id) } } });
  if (count > 0) app.log.info({ deleted: count }, "deleted expired export files");
  return { deleted: count };
}

export const cleanUpExportsJob: Job = {
  name: "clean-up-exports",
  // Every hour, at minute 7.
  schedule: "7 * * * *",
  run: cleanUpExpiredExports,
};
