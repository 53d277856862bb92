import type { Dirent } from "node:fs";
import { lstat, readdir, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import type { AppContext } from "../runtime/context.ts";
import { REPORT_ZIPS_DIR, resolveExportFile } from "../exports/export-files.ts";
import { errnoCode } from "../errors/errno.ts";
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
    select: { id: true, filePath: true },
    orderBy: { createdAt: "asc" },
    take: BATCH,
  });
  const removed: string[] = [];
  for (const e of expired) {
    if (signal?.aborted) break;
    const file = resolveExportFile(app.exportDir, e.filePath);
    if (file) await rm(file, { force: true });
    removed.push(e.id);
  }
  const { count } = await app.db.prisma.export.deleteMany({ where: { id: { in: removed } } });
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
 * old. Then removes folders left empty. Report zips are their own job's. A
 * folder or file that can't be read or deleted is logged and left for the next run.
 */
async function sweepUntracked(app: AppContext, cutoff: Date, signal?: AbortSignal): Promise<number> {
  let swept = 0;
  const visit = async (dir: string, relDir: string | null): Promise<void> => {
    if (signal?.aborted) return;
    const old: string[] = [];
    for (const entry of await listFolder(app, dir)) {
      const rel = relDir === null ? entry.name : `${relDir}/${entry.name}`;
      // Symbolic links are never followed, only (like any other file) deleted.
      if (entry.isDirectory()) {
        if (rel !== REPORT_ZIPS_DIR) await visit(join(dir, entry.name), rel);
      } else if (await unchangedSince(app, join(app.exportDir, rel), cutoff)) old.push(rel);
    }
    for (let i = 0; i < old.length && !signal?.aborted; i += BATCH) {
      const chunk = old.slice(i, i + BATCH);
      const rows = await app.db.prisma.export.findMany({ where: { filePath: { in: chunk } }, select: { filePath: true } });
      const tracked = new Set(rows.map((r) => r.filePath));
      for (const rel of chunk) if (!tracked.has(rel) && (await remove(app, join(app.exportDir, rel)))) swept++;
    }
    // Only while empty: an export that has just created a file here keeps its folder.
    if (relDir !== null) await rmdir(dir).catch(() => undefined);
  };
  await visit(app.exportDir, null);
  return swept;
}

/** A folder's entries; none when it is gone, or can't be read (logged: the sweep goes on without it). */
async function listFolder(app: AppContext, dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") app.log.warn({ err: error, dir }, "could not read an export folder; the next clean-up tries again");
    return [];
  }
}

/** Whether a file was last written at or before `cutoff` (false when it is gone or can't be read). */
async function unchangedSince(app: AppContext, file: string, cutoff: Date): Promise<boolean> {
  try {
    return (await lstat(file)).mtime <= cutoff;
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") app.log.warn({ err: error, file }, "could not read an export file's age");
    return false;
  }
}

/** Deletes a file; false when another instance was first, or on a failure (logged; the next run tries again). */
async function remove(app: AppContext, file: string): Promise<boolean> {
  try {
    await rm(file);
    return true;
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return false;
    app.log.warn({ err: error, file }, "could not delete an untracked export file; the next clean-up tries again");
    return false;
  }
}

export const cleanUpExportsJob: Job = {
  name: "clean-up-exports",
  // Every hour, at minute 7.
  schedule: "7 * * * *",
  run: cleanUpExpiredExports,
};
