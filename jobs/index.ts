import cron, { type ScheduledTask } from "node-cron";
import type { AppContext } from "../src/context.ts";
import { cleanUpExportsJob } from "./clean-up-exports.ts";
import { cleanUpReportZipsJob } from "./clean-up-report-zips.ts";
import { deliverReportsJob } from "./deliver-reports.ts";
import type { Job } from "./job.ts";

/** Every scheduled job of the service. */
export const JOBS: readonly Job[] = [cleanUpExportsJob, cleanUpReportZipsJob, deliverReportsJob];

/** Schedules every job in this process; returns a function that stops them. */
export function startJobs(app: AppContext, jobs: readonly Job[] = JOBS): () => Promise<void> {
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(
      job.schedule,
      async () => {
        try {
          await job.run(app);
        } catch (error) {
          app.log.error({ err: error, job: job.name }, "scheduled job failed");
        }
      },
      { name: job.name, timezone: "UTC", noOverlap: true },
    ),
  );
  return async () => {
    await Promise.all(tasks.map((t) => t.stop()));
  };
}
