import { randomUUID } from "node:crypto";
import type { AppContext } from "../context.ts";
import { deliverRun, type Deliverers, type DeliveryOutcome } from "./deliver-run.ts";
import { claimNextRun, type GaveUpRun } from "./runs/claim-run.ts";
import { planDueRuns } from "./runs/plan-runs.ts";

/** Runs per call; a larger backlog is picked up by the next call. */
const BATCH = 100;

export type ProcessCounts = Record<DeliveryOutcome, number> & {
  planned: number;
  /** Runs whose processing threw (their outcome could not be recorded): taken over once their lease ends. */
  errored: number;
};

/**
 * Plans every slot due at `app.now()`, then claims and delivers runs until none
 * is due. Safe to call from several processes at once (see runs/claim-run.ts).
 * One subscription or run that throws (a database error while recording its
 * outcome, say) is logged and the others still go out; only a failing claim,
 * which every run needs, ends the call, and the next tick tries again.
 */
export async function processDueRuns(
  app: AppContext,
  deliverers: Deliverers,
  owner = `worker-${process.pid}-${randomUUID().slice(0, 8)}`,
): Promise<ProcessCounts> {
  const counts: ProcessCounts = { planned: 0, delivered: 0, retrying: 0, failed: 0, "lost-lease": 0, errored: 0 };
  counts.planned = await planDueRuns(app.db, app.now(), {
    onError: (subscriptionId, err) => app.log.error({ subscriptionId, err }, "report planning failed for a subscription"),
  });
  const onGaveUp = (run: GaveUpRun) => {
    counts.failed++;
    app.log.warn({ runId: run.id, lastError: run.lastError }, "report run failed: every attempt was used");
  };
  for (let i = 0; i < BATCH; i++) {
    const run = await claimNextRun(app.db, owner, app.now(), { onGaveUp });
    if (!run) break;
    try {
      counts[await deliverRun(app, deliverers, run, owner)]++;
    } catch (err) {
      counts.errored++;
      app.log.error({ runId: run.id, attempt: run.attempts, err }, "report run could not be processed");
    }
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
  const run = await claimNextRun(app.db, owner, app.now(), { runId });
  return run ? deliverRun(app, deliverers, run, owner) : null;
}
