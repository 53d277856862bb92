import { randomUUID } from "node:crypto";
import type { BackgroundTask } from "../runtime/background-task.ts";
import type { AppContext } from "../runtime/context.ts";
import { type DeliveryOutcome, deliverRun } from "./deliver-run.ts";
import { claimNextRun, type GaveUpRun, type RunKey } from "./runs/claim-run.ts";
import { planDueRuns } from "./runs/plan-runs.ts";

/** Runs per call; a larger backlog is picked up by the next call. */
const BATCH = 100;

export type ProcessCounts = Record<DeliveryOutcome, number> & {
  planned: number;
  /** Runs whose processing threw (their outcome could not be recorded): taken over once their lease ends. */
  errored: number;
};

export interface ProcessOptions {
  /** Who holds the leases this call takes (a worker name in the runs' history). */
  owner?: string;
  /** Once aborted, no further run is claimed; the one being delivered finishes. */
  signal?: AbortSignal;
}

/**
 * Plans every slot due at `app.now()`, then claims and delivers runs until none
 * is due. Safe to call from several processes at once (see runs/claim-run.ts).
 * One subscription or run that throws (a database error while recording its
 * outcome, say) is logged and the others still go out; only a failing claim,
 * which every run needs, ends the call, and the next tick tries again.
 */
export async function processDueRuns(app: AppContext, opts: ProcessOptions = {}): Promise<ProcessCounts> {
  const owner = opts.owner ?? `worker-${process.pid}-${randomUUID().slice(0, 8)}`;
  const counts: ProcessCounts = { planned: 0, delivered: 0, retrying: 0, failed: 0, "lost-lease": 0, errored: 0 };
  counts.planned = await planDueRuns(app.db, app.now(), {
    onError: (subscriptionId, err) => app.log.error({ subscriptionId, err }, "report planning failed for a subscription"),
  });
  const onGaveUp = (run: GaveUpRun) => {
    counts.failed++;
    app.log.warn({ runId: run.id, lastError: run.lastError }, "report run failed: every attempt was used");
  };
  for (let i = 0; i < BATCH && !opts.signal?.aborted; i++) {
    const run = await claimNextRun(app.db, owner, app.now(), { onGaveUp });
    if (!run) break;
    try {
      counts[await deliverRun(app, run, owner)]++;
    } catch (err) {
      counts.errored++;
      app.log.error({ runId: run.id, attempt: run.attempts, err }, "report run could not be processed");
    }
  }
  return counts;
}

/** Every report due now, delivered: the scheduler's `deliver-reports` job and the CLI's `reports run-due`. */
export const deliverDueReports: BackgroundTask<ProcessCounts> = {
  name: "deliver-reports",
  run: (app, signal) => processDueRuns(app, { signal }),
};

/**
 * Delivers one queued run now (a test send or re-send from the API), leaving every
 * other due run to the scheduler: a request must not deliver other workspaces'
 * reports. Null when the run could not be claimed (a worker holds it).
 */
export function deliverRunNowTask(
  run: RunKey,
  owner = `request-${process.pid}-${randomUUID().slice(0, 8)}`,
): BackgroundTask<DeliveryOutcome | null> {
  return {
    name: "deliver-run-now",
    async run(app) {
      const claimed = await claimNextRun(app.db, owner, app.now(), { run });
      return claimed ? deliverRun(app, claimed, owner) : null;
    },
  };
}
