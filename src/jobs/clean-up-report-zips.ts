import type { AppContext } from "../runtime/context.ts";
import { isStoredFilePath, REPORT_ZIPS_DIR } from "../exports/export-files.ts";
import type { ReportRunStatus } from "../generated/prisma/client.ts";
import { PARTIAL_SUFFIX, type StoredFile } from "../storage/file-store.ts";
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
 * subscription's, or a failed build's that never recorded a zip) once their
 * newest file is as old as the retention; in the folders of live runs, it
 * deletes partial zips a crashed build left, once as old (`swept` counts both);
 * and it tidies folders left empty.
 *
 * Idempotent: several instances may run it at once (a file another instance
 * deleted first is skipped, `zipPath` is cleared only where still set, and an
 * empty folder is removed only while empty). Once `signal` aborts it stops
 * between folders; the next call finishes the work.
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
    select: { workspaceId: true, id: true, zipPath: true },
    orderBy: { createdAt: "asc" },
    take: BATCH,
  });
  const removed: { workspaceId: string; id: string }[] = [];
  for (const run of done) {
    if (signal?.aborted) break;
    const zipPath = run.zipPath!;
    // The run's folder holds its zip (and a crashed build's partials), nothing else. A path the store never writes is just forgotten.
    if (isStoredFilePath(zipPath) && (await removeFolder(app, zipPath.slice(0, zipPath.lastIndexOf("/") + 1))) === null) continue;
    removed.push({ workspaceId: run.workspaceId, id: run.id });
  }
  const { count } = await app.db.prisma.reportRun.updateMany({
    where: { OR: removed, zipPath: { not: null } },
    data: { zipPath: null },
  });
  const swept = signal?.aborted ? 0 : await sweepFolders(app, cutoff, signal);
  if (count + swept > 0) app.log.info({ deleted: count, swept }, "deleted old report zips");
  return { deleted: count, swept };
}

/** A run's folder in the store (`report-zips/{workspace}/{run id}/`) and the files in it. */
interface RunFolder {
  prefix: string;
  workspaceId: string;
  runId: string;
  files: StoredFile[];
}

/**
 * Deletes the files of run folders that no live run's zip is in, once the newest
 * is older than `cutoff`, and old partial zips from live runs' folders; then
 * tidies the folders left empty.
 */
async function sweepFolders(app: AppContext, cutoff: Date, signal?: AbortSignal): Promise<number> {
  const folders = await runFolders(app);
  let swept = 0;
  for (let i = 0; i < folders.length && !signal?.aborted; i += BATCH) {
    const chunk = folders.slice(i, i + BATCH);
    const runs = await app.db.prisma.reportRun.findMany({
      where: { OR: chunk.map((f) => ({ workspaceId: f.workspaceId, id: f.runId })) },
      select: { id: true, status: true, zipPath: true },
    });
    // Runs are created before their folder, so a folder without a run is a deleted subscription's.
    const live = new Set(runs.filter((r) => r.zipPath !== null || !FINAL.includes(r.status)).map((r) => r.id));
    for (const folder of chunk) {
      // The newest file is the zip's build: an emailed link to it lasts the retention from then.
      const newest = Math.max(...folder.files.map((f) => f.modifiedAt.getTime()));
      if (live.has(folder.runId)) swept += await removeOldPartials(app, folder.files, cutoff);
      else if (newest < cutoff.getTime() && ((await removeFolder(app, folder.prefix)) ?? 0) > 0) swept++;
    }
  }
  await app.files.prune(`${REPORT_ZIPS_DIR}/`);
  return swept;
}

/**
 * The run folders holding files, from one listing of the store's report zips.
 * Only `report-zips/{workspace}/{run id}/…` is a run's: anything else there is never touched.
 */
async function runFolders(app: AppContext): Promise<RunFolder[]> {
  const folders = new Map<string, RunFolder>();
  for await (const file of app.files.list(`${REPORT_ZIPS_DIR}/`)) {
    const [, workspace, runId, name] = file.key.split("/");
    if (workspace === undefined || runId === undefined || name === undefined || !RUN_ID.test(runId)) continue;
    const prefix = `${REPORT_ZIPS_DIR}/${workspace}/${runId}/`;
    const folder = folders.get(prefix) ?? { prefix, workspaceId: workspace, runId, files: [] };
    folder.files.push(file);
    folders.set(prefix, folder);
  }
  return [...folders.values()];
}

/**
 * Deletes every file under a run's folder; how many were there to delete (0:
 * another instance was first), or null on a failure, which is logged and leaves
 * the rest for the next call without stopping the others.
 */
async function removeFolder(app: AppContext, prefix: string): Promise<number | null> {
  try {
    let removed = 0;
    for await (const file of app.files.list(prefix)) if (await app.files.remove(file.key)) removed++;
    return removed;
  } catch (error) {
    app.log.warn({ err: error, prefix }, "could not delete a report zip folder; the next clean-up tries again");
    return null;
  }
}

/**
 * Deletes the partial zips among a live run's files last written at or before `cutoff`: a build
 * being written keeps touching its partial, so an old one is a crashed build's
 * (the next attempt writes afresh). Failures are logged and left for the next call.
 */
async function removeOldPartials(app: AppContext, files: StoredFile[], cutoff: Date): Promise<number> {
  let removed = 0;
  for (const file of files) {
    if (!file.key.endsWith(PARTIAL_SUFFIX) || file.modifiedAt > cutoff) continue;
    try {
      if (await app.files.remove(file.key)) removed++;
    } catch (error) {
      app.log.warn({ err: error, key: file.key }, "could not delete a partial report zip; the next clean-up tries again");
    }
  }
  return removed;
}

export const cleanUpReportZipsJob: Job = {
  name: "clean-up-report-zips",
  // Every hour, at minute 17.
  schedule: "17 * * * *",
  run: cleanUpReportZips,
};
