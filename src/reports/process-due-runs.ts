import { randomUUID } from "node:crypto";
import type { AppContext } from "../context.ts";
import { deliverRun, type Deliverers, type DeliveryOutcome } from "./deliver-run.ts";
import { claimNextRun } from "./runs/claim-run.ts";
import { planDueRuns } from "./runs/plan-runs.ts";

/** Runs per call; a larger backlog is picked up by the next call. */
const BATCH = 100;

/**
 * Plans every slot due at `app.now()`, then claims and delivers runs until none
 * is due. Safe to call from several processes at once (see runs/claim-run.ts).
 */
export async function processDueRuns(
  app: AppContext,
  deliverers: Deliverers,
  owner = `worker-${process.pid}-${randomUUID().slice(0, 8)}`,
): Promise<Record<DeliveryOutcome, number> & { planned: number }> {
  const counts = { planned: await planDueRuns(app.db, app.now()), delivered: 0, retrying: 0, failed: 0, "lost-lease": 0 };
  for (let i = 0; i < BATCH; i++) {
    const run = await claimNextRun(app.db, owner, app.now());
    if (!run) break;
    counts[await deliverRun(app, deliverers, run, owner)]++;
  }
  return counts;
}

/**
 * Delivers one queued run now (a test send or re-send from the API), leaving every
 * other due run to the scheduler: a request must not deliver other workspaces'
 * reports. Returns null when the run could not be claimed (a worker holds it).
 */
export async function deliverRunNow(
  app: AppContext,
  deliverers: Deliverers,
  runId: string,
  owner = `request-${process.pid}-${randomUUID().slice(0, 8)}`,
): Promise<DeliveryOutcome | null> {
  const run = await claimNextRun(app.db, owner, app.now(), runId);
  return run ? deliverRun(app, deliverers, run, owner) : null;
}
