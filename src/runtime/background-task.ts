import type { AppContext } from "./context.ts";

/**
 * Work done outside a request: each scheduled job (src/jobs), a subscription's
 * test send or re-send (GraphQL), and the CLI's `reports run-due` are one of these,
 * run through `runBackgroundTask`.
 */
export interface BackgroundTask<Result = unknown> {
  /** Names the task in logs (and a scheduled job in JOB_SCHEDULES). */
  readonly name: string;
  /**
   * One bounded, idempotent round of work. Once `signal` aborts (the process is
   * shutting down) it stops at the next safe point and returns what it did;
   * work it leaves is picked up by the next round.
   */
  run(app: AppContext, signal: AbortSignal): Promise<Result>;
}

/** Runs a task with its name on every log line it writes; its result or error is the caller's. */
export async function runBackgroundTask<Result>(
  app: AppContext,
  task: BackgroundTask<Result>,
  signal: AbortSignal = new AbortController().signal,
): Promise<Result> {
  const started = performance.now();
  const result = await task.run({ ...app, log: app.log.child({ task: task.name }) }, signal);
  app.log.debug({ task: task.name, ms: Math.round(performance.now() - started) }, "background task finished");
  return result;
}
