import { z } from "zod";
import { signedDownloadUrl } from "../exports/download-links.ts";
import type { ExportJob, ExportJobStatus } from "../generated/prisma/client.ts";
import type { AppContext } from "../runtime/context.ts";

/** A job's life: queued → running → succeeded | failed | cancelled (a running job handed back is queued again). */
export const EXPORT_JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const satisfies readonly ExportJobStatus[];

/** Where a job's status is read: `GET {base}/export/jobs/{id}` (under `/api/public` when asked there). */
function statusPath(jobId: string, prefix = ""): string {
  return `${prefix}/export/jobs/${encodeURIComponent(jobId)}`;
}

/** The 202's `data`: the job, its status and where to poll it. */
export function acceptedJob(job: ExportJob, prefix = "") {
  return { jobId: job.id, status: job.status, statusUrl: statusPath(job.id, prefix) };
}

const fileResult = z.object({
  filePath: z.string(),
  dataType: z.string(),
  recordCount: z.number(),
  dateRange: z.object({ from: z.string(), to: z.string() }),
});

const jobError = z.object({ error: z.string(), message: z.string() });

/**
 * A job's status as `{ success: true, data }` JSON text. `result` is the
 * synchronous answer's `data`: for a file its link is signed now (so it is
 * fresh whenever the status is read); JSON rows go in as stored, keeping the
 * synchronous answer's key order and decimal digits.
 */
export function jobStatusBody(app: AppContext, job: ExportJob): string {
  const head = JSON.stringify({
    jobId: job.id,
    status: job.status,
    dataType: job.dataType,
    progress: { rowsWritten: job.rowsWritten },
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    error: jobErrorOf(job),
  });
  return `{"success":true,"data":${head.slice(0, -1)},"result":${resultText(app, job)}}}`;
}

/** The stored result with a fresh download link for a file; `null` before success. */
function resultText(app: AppContext, job: ExportJob): string {
  if (job.result === null) return "null";
  const file = fileResultOf(app, job);
  return file ? JSON.stringify(file) : job.result;
}

/** A file job's result (the synchronous 200's `data`) with a link signed now; null for other jobs and before success. */
export function fileResultOf(app: AppContext, job: ExportJob) {
  const file = job.result === null ? null : fileResult.safeParse(JSON.parse(job.result));
  if (!file?.success) return null;
  const { filePath, ...rest } = file.data;
  const expiresAt = new Date(app.now().getTime() + app.env.downloadTtlSeconds * 1000);
  return { filePath, downloadUrl: signedDownloadUrl(app.signingSecret, app.env.publicBaseUrl, filePath, expiresAt), ...rest };
}

/** A failed job's `{ error, message }`; null otherwise. */
export function jobErrorOf(job: ExportJob): { error: string; message: string } | null {
  return job.error === null ? null : jobError.parse(job.error);
}
