import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { JobRequest } from "../../export-jobs/kinds.ts";
import { acceptedJob, jobStatusBody } from "../../export-jobs/status.ts";
import { findJob } from "../../export-jobs/store.ts";
import { submitExportJob } from "../../export-jobs/submit.ts";
import type { Workspace } from "../../generated/prisma/client.ts";
import type { AppContext } from "../../runtime/context.ts";

const POLL_MS = 500;
const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
const statusAnswer = z.object({ data: z.looseObject({}) });

/**
 * `export … --async`: queues the job and answers its id, as the REST 202 does;
 * with `--wait` this process also runs jobs (so one is done without a server)
 * and answers the job's status, as GET /export/jobs/{id} does, once it has finished.
 */
export async function exportJobFromCli(app: AppContext, workspace: Workspace, request: JobRequest, wait: boolean) {
  const { period, ...rest } = request;
  const text = `cli ${JSON.stringify({ ...rest, from: period.from, to: period.to })}`;
  const job = await submitExportJob(app, workspace, request, text, null, { kick: wait });
  if (!wait) return acceptedJob(job);
  for (;;) {
    const now = await findJob(app.db, workspace.id, job.id);
    if (FINISHED.has(now.status)) return statusAnswer.parse(JSON.parse(jobStatusBody(app, now))).data;
    await sleep(POLL_MS);
  }
}
