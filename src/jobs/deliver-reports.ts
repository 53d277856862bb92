import { deliverDueReports } from "../reports/process-due-runs.ts";
import type { Job } from "./job.ts";

export const deliverReportsJob: Job = {
  ...deliverDueReports,
  // Every minute: a subscription's HH:MM is met within a minute, and missed runs are caught up.
  schedule: "* * * * *",
};
