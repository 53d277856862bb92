import type { AppContext } from "../src/context.ts";

/** A scheduled job: its name, its cron schedule, and a bounded, idempotent handler. */
export interface Job {
  name: string;
  /** node-cron expression (seconds optional), in UTC. */
  schedule: string;
  run(app: AppContext): Promise<unknown>;
}
