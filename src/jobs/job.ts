import type { BackgroundTask } from "../runtime/background-task.ts";

/** A scheduled job: a background task with its cron schedule. */
export interface Job extends BackgroundTask {
  /** node-cron expression (seconds optional), in UTC. */
  schedule: string;
}
