import { randomUUID } from "node:crypto";
import type { Database } from "../db/client.ts";
import { type BackgroundTask, runBackgroundTask } from "../runtime/background-task.ts";
import type { AppContext } from "../runtime/context.ts";
import { claimNextJob } from "./claim.ts";
import { runClaimedJob } from "./run-job.ts";

/** Jobs one process runs side by side (each also bounded per workspace, see claim.ts). */
const PROCESS_PARALLEL = 2;
/** Jobs per worker loop; a larger queue is picked up by the next tick. */
const BATCH = 50;

/** Per database (one per process, a few in tests): the worker loops running and the stop of the kicks. */
interface WorkerState {
  active: number;
  stopping: AbortController;
  kicked: Set<Promise<unknown>>;
}
const states = new WeakMap<Database, WorkerState>();

function stateOf(db: Database): WorkerState {
  let state = states.get(db);
  if (!state) {
    state = { active: 0, stopping: new AbortController(), kicked: new Set() };
    states.set(db, state);
  }
  return state;
}

/**
 * Claims and runs queued jobs until none is left (or `signal` aborts: the job
 * in hand goes back to the queue), at most PROCESS_PARALLEL loops per process.
 * Safe from any number of processes at once (see claim.ts).
 */
export async function runExportJobs(app: AppContext, signal: AbortSignal): Promise<{ ran: number }> {
  const state = stateOf(app.db);
  if (state.active >= PROCESS_PARALLEL) return { ran: 0 };
  state.active++;
  const owner = `export-worker-${process.pid}-${randomUUID().slice(0, 8)}`;
  let ran = 0;
  try {
    for (; ran < BATCH && !signal.aborted; ran++) {
      const claim = await claimNextJob(app.db, owner);
      if (!claim) break;
      const status = await runClaimedJob(app, claim, signal);
      app.log.info({ jobId: claim.id, workspaceId: claim.workspaceId, attempt: claim.attempt, status }, "export job ran");
    }
  } finally {
    state.active--;
  }
  return { ran };
}

export const runExportJobsTask: BackgroundTask<{ ran: number }> = { name: "run-export-jobs", run: runExportJobs };

/**
 * Starts a worker loop now (a job was just created), so the job needn't wait
 * for the next tick. Does nothing once `stopExportJobKicks` was called.
 */
export function kickExportJobs(app: AppContext): void {
  const state = stateOf(app.db);
  if (state.stopping.signal.aborted) return;
  const run = runBackgroundTask(app, runExportJobsTask, state.stopping.signal).catch((err: unknown) =>
    app.log.error({ err }, "export jobs could not run; the next tick tries again"),
  );
  state.kicked.add(run);
  void run.finally(() => state.kicked.delete(run));
}

/** Stops the kicks' loops: their jobs go back to the queue at the next progress point; resolves once they have. */
export async function stopExportJobKicks(app: AppContext): Promise<void> {
  const state = stateOf(app.db);
  state.stopping.abort();
  await Promise.all(state.kicked);
}
