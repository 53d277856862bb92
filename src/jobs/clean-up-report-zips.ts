import { lstat, readdir, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { AppContext } from "../runtime/context.ts";
import { PARTIAL_SUFFIX, REPORT_ZIPS_DIR, resolveExportFile } from "../exports/export-files.ts";
import type { ReportRunStatus } from "../generated/prisma/client.ts";
import { errnoCode } from "../errors/errno.ts";
import type { Job } from "./job.ts";

const HOUR_MS = 60 * 60 * 1000;
/** Runs per call (and per database look-up); a larger backlog is picked up by the next call. */
const BATCH = 500;
/** Statuses a run never leaves: its zip is not needed for another attempt. */
const FINAL: readonly ReportRunStatus[] = ["delivered", "failed"];
const RUN_ID = /^[0-9a-f-]{36}$/;

/**
 * Deletes report zips once nobody can need them: the run is over (delivered, or
 * failed for good) and its last attempt ended more than EXPORT_RETENTION_HOURS
 * ago, which is when the download link an email may carry expires. A run still
 * pending, running or retrying keeps its zip. A re-send is a new run that builds
 * its own zip, so it never needs a deleted one. The run and its history stay;
 * `zipPath` becomes null.
 *
 * Then it sweeps run folders no zip of a live run accounts for (a deleted
 * subscription's, or a failed build's that never recorded a zip) once untouched
 * for the same retention, and empty workspace folders; in the folders of live
 * runs, it deletes partial zips a crashed build left, once as old (`swept`
 * counts both).
 *
 * Idempotent: several instances may run it at once (`rm` is forced, `zipPath`
 * is cleared only where still set, and an empty folder is removed only while empty).
 * Once `signal` aborts it stops between folders; the next call finishes the work.
 */
export async function cleanUpReportZips(app: AppContext, signal?: AbortSignal): Promise<{ deleted: number; swept: number }> {
  const cutoff = new Date(app.now().getTime() - app.env.exportRetentionHours * HOUR_MS);
  const done = await app.db.prisma.reportRun.findMany({
    where: {
      zipPath: { not: null },
      status: { in: [...FINAL] },
      // An attempt that never finished (a crash) counts from when it started.
      attemptLog: { none: { OR: [{ finishedAt: { gte: cutoff } }, { finishedAt: null, startedAt: { gte: cutoff } }] } },
    },
    select: { id: true, zipPath: true },
    orderBy: { createdAt: "asc" },
    take: BATCH,
  });
  const removed: string[] = [];
  for (const run of done) {
    if (signal?.aborted) break;
    const file = resolveExportFile(app.exportDir, run.zipPath!);
    // The run's folder holds its zip and nothing else. A path the store never writes is just forgotten.
    if (file && !(await removeFolder(app, dirname(file)))) continue;
    removed.push(run.id);
  }
  const { count } = await app.db.prisma.reportRun.updateMany({
    where: { id: { in: removed }, zipPath: { not: null } },
    data: { zipPath: null },
  });
  const swept = signal?.aborted ? 0 : await sweepFolders(app, cutoff, signal);
  if (count + swept > 0) app.log.info({ deleted: count, swept }, "deleted old report zips");
  return { deleted: count, swept };
}

/**
 * Removes run folders that no live run's zip is in, once untouched since `cutoff`,
 * and old partial zips from live runs' folders; then empty workspace folders.
 */
async function sweepFolders(app: AppContext, cutoff: Date, signal?: AbortSignal): Promise<number> {
  const root = join(app.exportDir, REPORT_ZIPS_DIR);
  let swept = 0;
  for (const workspace of await subfolders(root)) {
    if (signal?.aborted) break;
    const workspaceDir = join(root, workspace);
    const runIds = (await subfolders(workspaceDir)).filter((name) => RUN_ID.test(name));
    for (let i = 0; i < runIds.length; i += BATCH) {
      const chunk = runIds.slice(i, i + BATCH);
      const runs = await app.db.prisma.reportRun.findMany({
        where: { id: { in: chunk } },
        select: { id: true, status: true, zipPath: true },
      });
      // Runs are created before their folder, so a folder without a run is a deleted subscription's.
      const live = new Set(runs.filter((r) => r.zipPath !== null || !FINAL.includes(r.status)).map((r) => r.id));
      for (const id of chunk) {
        const dir = join(workspaceDir, id);
        // The folder's last change is its zip's build: an emailed link to it lasts the retention from then.
        if (!live.has(id)) swept += (await removeFolder(app, dir, cutoff)) ? 1 : 0;
        else swept += await removeOldPartials(app, dir, cutoff);
      }
    }
    // Only while empty: a delivery that has just created a run folder here keeps it.
    await rmdir(workspaceDir).catch(() => undefined);
  }
  return swept;
}

/**
 * Deletes a folder (if `olderThan`, only when last changed before it). A failure is
 * logged and leaves the folder for the next call, without stopping the others; a
 * folder already gone (another instance was first) is not a failure.
 */
async function removeFolder(app: AppContext, dir: string, olderThan?: Date): Promise<boolean> {
  try {
    if (olderThan && (await stat(dir)).mtime >= olderThan) return false;
    await rm(dir, { recursive: true, force: true });
    return true;
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return false;
    app.log.warn({ err: error, dir }, "could not delete a report zip folder; the next clean-up tries again");
    return false;
  }
}

/**
 * Deletes the partial zips in a run's folder last written at or before `cutoff`: a build
 * being written keeps touching its partial, so an old one is a crashed build's
 * (the next attempt writes afresh). Failures are logged and left for the next call.
 */
async function removeOldPartials(app: AppContext, dir: string, cutoff: Date): Promise<number> {
  let removed = 0;
  try {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(PARTIAL_SUFFIX)) continue;
      const file = join(dir, entry.name);
      if ((await lstat(file)).mtime > cutoff) continue;
      await rm(file);
      removed++;
    }
  } catch (error) {
    if (errnoCode(error) !== "ENOENT")
      app.log.warn({ err: error, dir }, "could not delete a partial report zip; the next clean-up tries again");
  }
  return removed;
}

/** Names of the folders in `dir` (symbolic links are never followed); none when it does not exist. */
async function subfolders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return [];
    throw error;
  }
}

export const cleanUpReportZipsJob: Job = {
  name: "clean-up-report-zips",
  // Every hour, at minute 17.
  schedule: "17 * * * *",
  run: cleanUpReportZips,
};
