import type { IncomingMessage, ServerResponse } from "node:http";
import type { AccessKey, Workspace } from "../../generated/prisma/client.ts";
import type { AppContext } from "../../runtime/context.ts";
import { parseInput } from "../../errors/input.ts";
import { AppError } from "../../errors/app-error.ts";
import type { JobRequest } from "../../export-jobs/kinds.ts";
import { acceptedJob, jobStatusBody } from "../../export-jobs/status.ts";
import { cancelJob, findJob, idempotencyKey } from "../../export-jobs/store.ts";
import { submitExportJob } from "../../export-jobs/submit.ts";
import { sendJson } from "../shared/respond.ts";

/** `/export/jobs/{id}`, with or without the `/api/public` prefix. */
export const EXPORT_JOB_PATH = /^(\/api\/public)?\/export\/jobs\/([^/]+)$/;

interface JobAuth {
  key: AccessKey;
  workspace: Workspace;
}

/** Whether the request asks for an async answer (`Prefer: respond-async`, RFC 7240; other preferences are ignored). */
function prefersAsync(req: IncomingMessage): boolean {
  const prefer = req.headers.prefer ?? [];
  return (Array.isArray(prefer) ? prefer : [prefer])
    .flatMap((p) => p.split(","))
    .some((p) => p.split(";")[0]!.trim().toLowerCase() === "respond-async");
}

/**
 * The `Prefer: respond-async` branch of every export route, called once the
 * route has read and checked its body as for a synchronous answer: submits the
 * job (or finds its `Idempotency-Key`'s) and answers 202 with `Location`.
 * Returns false, answering nothing, when the request is synchronous.
 */
export async function respondAsync(
  app: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  auth: JobAuth,
  request: JobRequest,
  body: unknown,
): Promise<boolean> {
  if (!prefersAsync(req)) return false;
  const key = parseInput(idempotencyKey, req.headers["idempotency-key"] ?? null, () => "Idempotency-Key header");
  const job = await submitExportJob(app, auth.workspace, request, `${request.kind} ${request.dataType} ${JSON.stringify(body)}`, key);
  const prefix = (req.url ?? "").startsWith("/api/public/") ? "/api/public" : "";
  const data = acceptedJob(job, prefix);
  sendJson(res, 202, { success: true, data }, { location: data.statusUrl });
  return true;
}

/** GET /export/jobs/{id} (the job's status) and DELETE (cancels it), for a key with the export capability. */
export async function handleExportJob(
  app: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  auth: JobAuth,
  jobId: string,
): Promise<void> {
  if (req.method === "GET") {
    const job = await findJob(app.db, auth.workspace.id, jobId);
    return sendText(res, 200, jobStatusBody(app, job));
  }
  if (req.method === "DELETE") {
    const job = await cancelJob(app.db, auth.workspace.id, jobId);
    // A running job stops at its next progress point: accepted, not yet done.
    return sendText(res, job.status === "cancelled" ? 200 : 202, jobStatusBody(app, job));
  }
  throw new AppError("NOT_FOUND", `${req.method} /export/jobs/${jobId} is not supported; use GET or DELETE`);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
