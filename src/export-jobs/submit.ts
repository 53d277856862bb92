import type { ExportJob, Workspace } from "../generated/prisma/client.ts";
import type { AppContext } from "../runtime/context.ts";
import { checkJobRequest, type JobRequest } from "./kinds.ts";
import { createJob } from "./store.ts";
import { kickExportJobs } from "./worker.ts";

/**
 * Submits an export as a job (REST `Prefer: respond-async`, GraphQL
 * `createExportJob`): makes the checks the synchronous export makes before it
 * reads usage (so a job never fails for input a synchronous request is refused
 * for), queues the job or finds its idempotency key's (see store.ts), and
 * starts a worker in this process so it needn't wait for the next tick.
 */
export async function submitExportJob(
  app: AppContext,
  workspace: Workspace,
  request: JobRequest,
  requestText: string,
  idempotencyKey: string | null,
  opts: { kick: boolean } = { kick: true },
): Promise<ExportJob> {
  await checkJobRequest(app, workspace, request);
  const { job, created } = await createJob(app.db, { workspaceId: workspace.id, request, requestText, idempotencyKey });
  // A CLI process that exits at once does not start one: it would be cut short mid-job.
  if (created && opts.kick) kickExportJobs(app);
  return job;
}
