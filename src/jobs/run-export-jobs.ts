import { runExportJobsTask } from "../export-jobs/worker.ts";
import type { Job } from "./job.ts";

export const runExportJobsJob: Job = {
  ...runExportJobsTask,
  // Every 2 seconds (node-cron's seconds field): a job a request's own kick missed, or one a crashed worker left, starts soon.
  schedule: "*/2 * * * * *",
};
