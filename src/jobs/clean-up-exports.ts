import type { AppContext } from "../runtime/context.ts";
import { isStoredFilePath, REPORT_ZIPS_DIR } from "../exports/export-files.ts";
import { deleteFinishedJobs } from "../export-jobs/store.ts";
import type { Job } from "./job.ts";

const HOUR_MS = 60 * 60 * 1000;
/** Files per run (and per database look-up); a larger backlog is picked up by the next run. */
const BATCH = 500;

/**
 * Deletes export files older than EXPORT_RETENTION_HOURS, file first, then its
 * row, so a crash in between leaves a row whose file is gone (404) rather than
 * an orphan file. Then sweeps what crashes leave behind anyway (see
 * sweepUntracked). Idempotent: several instances may run it at once. Once
 * `signal` aborts it stops between files; the next run finishes the work.
 */
export async function cleanUpExpiredExports(app: AppContext, signal?: AbortSignal): Promise<{ deleted: number; swept: number }> {
  const cutoff = new Date(app.now().getTime() - app.env.exportRetentionHours * HOUR_MS);
  const expired = await app.db.prisma.export.findMany({
    where: { createdAt: { lt: cutoff } },
    select: { workspaceId: true, id: true, filePath: true },
    orderBy: { createdAt: "asc" },
    take: BATCH,
  });
  const removed: { workspaceId: string; id: string }[] = [];
  for (const e of expired) {
    if (signal?.aborted) break;
    // A path the service never writes (a row from elsewhere) is only forgotten.
    if (isStoredFilePath(e.filePath)) await app.files.remove(e.filePath);
    removed.push({ workspaceId: e.workspaceId, id: e.id });
  }
  const { count } = await app.db.prisma.export.deleteMany({ where: { OR: removed } });
  const swept = signal?.aborted ? 0 : await sweepUntracked(app, cutoff, signal);
  // Async export jobs finished as long ago: their files are among the deleted.
  const jobs = await deleteFinishedJobs(app.db, cutoff);
  if (count + swept + jobs > 0) app.log.info({ deleted: count, swept, jobs }, "deleted expired export files");
  return { deleted: count, swept };
}

/**
 * Deletes files in the export store that no export row names, once unchanged
 * since `cutoff`: a crashed export's `.partial`, or a CSV whose row a crash kept
 * from being recorded. An export being written keeps touching its file, and one
 * just renamed into place gets its row moments later, so neither is ever that
 * old. Then tidies folders left empty. Report zips are their own job's. A
 * folder or file that can't be read or deleted is logged and left for the next run.
 */
async function sweepUntracked(app: AppContext, cutoff: Date, signal?: AbortSignal): Promise<number> {
  let swept = 0;
  let old: string[] = [];
  const sweep = async () => {
    // An export's path names its workspace (`{type}-usage/{workspace}/…`): looked up by its key.
    const keys = old.map((filePath) => ({ workspaceId: filePath.split("/")[1] ?? "", filePath }));
    const rows = await app.db.prisma.export.findMany({ where: { OR: keys }, select: { filePath: true } });
    const tracked = new Set(rows.map((r) => r.filePath));
    for (const key of old) if (!tracked.has(key) && (await remove(app, key))) swept++;
    old = [];
  };
  const unreadable = (error: unknown, prefix: string) =>
    app.log.warn({ err: error, prefix }, "could not read an export folder; the next clean-up tries again");
  for await (const file of app.files.list("", { onError: unreadable })) {
    if (signal?.aborted) return swept;
    if (file.key.startsWith(`${REPORT_ZIPS_DIR}/`) || file.modifiedAt > cutoff) continue;
    old.push(file.key);
    if (old.length === BATCH) await sweep();
  }
  if (old.length > 0) await sweep();
  await app.files.prune("");
  return swept;
}

/** Deletes a file; false when another instance was first, or on a failure (logged; the next run tries again). */
async function remove(app: AppContext, key: string): Promise<boolean> {
  try {
    return await app.files.remove(key);
  } catch (error) {
    app.log.warn({ err: error, key }, "could not delete an untracked export file; the next clean-up tries again");
    return false;
  }
}

export const cleanUpExportsJob: Job = {
  name: "clean-up-exports",
  // Every hour, at minute 7.
  schedule: "7 * * * *",
  run: cleanUpExpiredExports,
};
