import { z } from "zod";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { AppError } from "../errors/app-error.ts";
import { isStoredFilePath } from "../exports/export-files.ts";
import type { AppContext } from "../runtime/context.ts";
import { removeAbandonedWrites } from "../storage/file-store.ts";
import { type Claim, finishJob, HEARTBEAT_MS, type Outcome, renewLease } from "./claim.ts";
import { jobRequest, runJobRequest } from "./kinds.ts";

/** Why a running job stops before its end. */
type StopReason = "cancelled" | "lost" | "shutdown";

class Stopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`export job stopped: ${reason}`);
  }
}

/**
 * Runs a claimed job to its end and records the outcome (see claim.ts
 * finishJob). Progress points (each batch of rows written) stop it when a
 * cancel was asked for, its lease was lost, or `signal` aborts (the process is
 * stopping: the job goes back to the queue). A stopped export deletes its
 * partial file, as the synchronous pipeline does on any error. The file is
 * named by the job (`fileSuffix`), so a rerun after a crash rewrites the same
 * file with the same bytes. Returns the status recorded (null: the lease was lost).
 */
export async function runClaimedJob(app: AppContext, claim: Claim, signal: AbortSignal): Promise<string | null> {
  const job = await app.db.prisma.exportJob.findUniqueOrThrow({
    where: { workspaceId_id: { workspaceId: claim.workspaceId, id: claim.id } },
  });
  const request = jobRequest.parse(job.request);
  let rows = 0;
  let stop: StopReason | null = null;
  const progressPoint = async () => {
    const state = await renewLease(app.db, claim, rows);
    if (state !== "go-on") stop ??= state;
  };
  await progressPoint();
  const heartbeat = setInterval(() => {
    progressPoint().catch((err: unknown) => app.log.warn({ err, jobId: claim.id }, "could not renew an export job's lease"));
  }, HEARTBEAT_MS);
  let outcome: Outcome | null;
  try {
    if (stop) throw new Stopped(stop);
    const done = await runJobRequest(app, claim.workspaceId, request, claim.id.slice(0, 8), (n) => {
      rows = n;
      if (signal.aborted) stop ??= "shutdown";
      if (stop) throw new Stopped(stop);
    });
    outcome = { status: "succeeded", result: done.resultText, rows: done.rows };
    // An earlier attempt killed mid-write left its partial of this same file: this attempt holds the lease, so it is abandoned.
    if (claim.attempt > 1) await removeAbandonedPartials(app, done.resultText);
  } catch (error) {
    outcome = outcomeOf(app, claim, error);
  } finally {
    clearInterval(heartbeat);
  }
  if (outcome === null) return null;
  const recorded = await finishJob(app.db, claim, outcome);
  // A cancel that came after the last progress point: the file was written, and goes.
  if (recorded === "cancelled" && outcome.status === "succeeded") await deleteWritten(app, claim.workspaceId, outcome.result);
  return recorded;
}

/** The outcome of an attempt that threw; null when there is none to record (the lease is another's). */
function outcomeOf(app: AppContext, claim: Claim, error: unknown): Outcome | null {
  if (error instanceof Stopped) {
    if (error.reason === "lost") return null;
    return { status: error.reason === "cancelled" ? "cancelled" : "queued" };
  }
  // The synchronous route's error answer (a 404 for a period without usage, say) is the job's.
  if (error instanceof AppError) return { status: "failed", error: { error: error.title, message: error.message } };
  // The database away: nothing can be recorded; the lease runs out and another attempt runs the job.
  if (isDatabaseUnavailable(error)) throw error;
  app.log.error({ err: error, jobId: claim.id }, "export job failed");
  return { status: "failed", error: { error: "Internal Server Error", message: "An unexpected error occurred" } };
}

const writtenFile = z.object({ filePath: z.string() });

/** The stored file a result names, or null (a result without a file). */
function writtenFilePath(resultText: string): string | null {
  const parsed = writtenFile.safeParse(JSON.parse(resultText));
  return parsed.success && isStoredFilePath(parsed.data.filePath) ? parsed.data.filePath : null;
}

async function removeAbandonedPartials(app: AppContext, resultText: string): Promise<void> {
  const filePath = writtenFilePath(resultText);
  if (filePath) await removeAbandonedWrites(app.files, filePath);
}

async function deleteWritten(app: AppContext, workspaceId: string, resultText: string): Promise<void> {
  const filePath = writtenFilePath(resultText);
  if (!filePath) return;
  await app.files.remove(filePath);
  await app.db.prisma.export.deleteMany({ where: { workspaceId, filePath } });
}
