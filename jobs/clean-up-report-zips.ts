import { rm, rmdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { AppContext } from "../src/context.ts";
import { resolveExportFile } from "../src/exports/export-files.ts";
import type { Job } from "./job.ts";

const HOUR_MS = 60 * 60 * 1000;
/** Runs per call; a larger backlog is picked up by the next call. */
const BATCH = 500;

/**
 * Deletes report zips once nobody can need them: the run is over (delivered, or
 * failed for good) and its last attempt ended more than EXPORT_RETENTION_HOURS
 * ago, which is when the download link an email may carry expires. A run still
 * pending or retrying keeps its zip. The run and its history stay; `zipPath`
 * becomes null. Idempotent: several instances may run it at once.
 */
export async function cleanUpReportZips(app: AppContext): Promise<{ deleted: number }> {
  const cutoff = new Date(app.now().getTime() - app.env.exportRetentionHours * HOUR_MS);
  const done = await app.db.prisma.reportRun.findMany({
    where: {
      zipPath: { not: null },
      status: { in: ["delivered", "failed"] },
      // An attempt that never finished (a crash) counts from when it started.
      attemptLog: { none: { OR: [{ finishedAt: { gte: cutoff } }, { finishedAt: null, startedAt: { gte: cutoff } }] } },
    },
    select: { id: true, zipPath: true },
    orderBy: { createdAt: "asc" },
    take: BATCH,
  });
  for (const run of done) {
    const file = resolveExportFile(app.exportDir, run.zipPath!);
    if (!file) continue;
    // The run's folder holds its zip and nothing else; the workspace folder goes when empty.
    await rm(dirname(file), { recursive: true, force: true });
    await rmdir(dirname(dirname(file))).catch(() => undefined);
  }
  const { count } = await app.db.prisma.reportRun.updateMany({
    where: { id: { in: done.map((r) => r.id) }, zipPath: { not: null } },
    data: { zipPath: null },
  });
  if (count > 0) app.log.info({ deleted: count }, "deleted old report zips");
  return { deleted: count };
}

export const cleanUpReportZipsJob: Job = {
  name: "clean-up-report-zips",
  // Every hour, at minute 17.
  schedule: "17 * * * *",
  run: cleanUpReportZips,
};
