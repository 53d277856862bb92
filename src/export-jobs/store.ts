import { createHash, randomUUID } from "node:crypto";
import type { Database } from "../db/client.ts";
import { isUniqueViolation } from "../db/sql-state.ts";
import { AppError } from "../errors/app-error.ts";
import type { ExportJob } from "../generated/prisma/client.ts";
import { z } from "zod";
import { type JobRequest, storableRequest } from "./kinds.ts";

/** An `Idempotency-Key` (REST header, GraphQL input field); null when none was given. */
export const idempotencyKey = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(255, { error: "must be at most 255 characters" })
  .nullable();

/** What creating a job asks for; `requestText` is the path and body the idempotency key is bound to. */
export interface NewJob {
  workspaceId: string;
  request: JobRequest;
  requestText: string;
  idempotencyKey: string | null;
}

/**
 * Queues a job, or with an `Idempotency-Key` already used in the workspace
 * returns that key's job: the same job for the same request (path and body),
 * 422 naming the key for another. Keys are per workspace (the unique index
 * leads with it), so two workspaces never see each other's key.
 */
export async function createJob(db: Database, job: NewJob): Promise<{ job: ExportJob; created: boolean }> {
  const fingerprint = createHash("sha256").update(job.requestText).digest("hex");
  const existing = async () => {
    if (job.idempotencyKey === null) return null;
    const found = await db.prisma.exportJob.findUnique({
      where: { workspaceId_idempotencyKey: { workspaceId: job.workspaceId, idempotencyKey: job.idempotencyKey } },
    });
    if (found && found.fingerprint !== fingerprint)
      throw new AppError(
        "UNPROCESSABLE",
        `Idempotency-Key "${job.idempotencyKey}" was already used for another request (job ${found.id}): use a new key for a new request`,
      );
    return found;
  };
  const before = await existing();
  if (before) return { job: before, created: false };
  try {
    const created = await db.prisma.exportJob.create({
      data: {
        workspaceId: job.workspaceId,
        id: randomUUID(),
        kind: job.request.kind,
        dataType: job.request.dataType,
        request: storableRequest(job.request),
        idempotencyKey: job.idempotencyKey,
        fingerprint,
      },
    });
    return { job: created, created: true };
  } catch (error) {
    // Two requests with one key at once: the second finds the first's job.
    const raced = isUniqueViolation(error) ? await existing() : null;
    if (raced) return { job: raced, created: false };
    throw error;
  }
}

/** A workspace's job; 404 naming the id for an unknown one or another workspace's. */
export async function findJob(db: Database, workspaceId: string, id: string): Promise<ExportJob> {
  const job = await db.prisma.exportJob.findUnique({ where: { workspaceId_id: { workspaceId, id } } });
  if (!job) throw new AppError("NOT_FOUND", `No export job "${id}" in this workspace`);
  return job;
}

/**
 * Cancels a job: a queued one (or a running one whose worker is gone) at once;
 * a running one is asked to stop, which its worker does at its next progress
 * point, deleting what it wrote. 409 naming the status for a finished job.
 */
export async function cancelJob(db: Database, workspaceId: string, id: string): Promise<ExportJob> {
  await findJob(db, workspaceId, id);
  const [row] = await db.inRawTransaction((tx) =>
    tx.query<{ status: string }>(
      `update export_jobs set
         status = case when status = 'queued' or lease_until is null or lease_until < now() then 'cancelled'::export_job_status else status end,
         finished_at = case when status = 'queued' or lease_until is null or lease_until < now() then now() else finished_at end,
         lease_owner = case when status = 'running' and lease_until >= now() then lease_owner end,
         lease_until = case when status = 'running' and lease_until >= now() then lease_until end,
         cancel_requested = true
       where workspace_id = $1 and id = $2 and status in ('queued', 'running')
       returning status::text as status`,
      [workspaceId, id],
    ),
  );
  if (!row) {
    const job = await findJob(db, workspaceId, id);
    throw new AppError(
      "CONFLICT",
      `Export job "${id}" has already ${job.status === "cancelled" ? "been cancelled" : job.status}; only a queued or running job can be cancelled`,
    );
  }
  return findJob(db, workspaceId, id);
}

/** Deletes jobs that finished before `cutoff` (with the export files of the same age); returns how many. */
export async function deleteFinishedJobs(db: Database, cutoff: Date): Promise<number> {
  const { count } = await db.prisma.exportJob.deleteMany({
    where: { status: { in: ["succeeded", "failed", "cancelled"] }, finishedAt: { lt: cutoff } },
  });
  return count;
}
