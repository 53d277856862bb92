import cron, { type ScheduledTask } from "node-cron";
import { runBackgroundTask } from "../runtime/background-task.ts";
import type { AppContext } from "../runtime/context.ts";
import { cleanUpExportsJob } from "./clean-up-exports.ts";
import { cleanUpReportZipsJob } from "./clean-up-report-zips.ts";
import { createUsagePartitionsJob } from "./create-usage-partitions.ts";
import { deliverReportsJob } from "./deliver-reports.ts";
import { dropExpiredUsagePartitionsJob } from "./drop-expired-usage-partitions.ts";
import type { Job } from "./job.ts";
import { runExportJobsJob } from "./run-export-jobs.ts";
import { stopExportJobKicks } from "../export-jobs/worker.ts";

/** Every scheduled job of the service. */
export const JOBS: readonly Job[] = [
  cleanUpExportsJob,
  cleanUpReportZipsJob,
  deliverReportsJob,
  runExportJobsJob,
  createUsagePartitionsJob,
  dropExpiredUsagePartitionsJob,
];

/** Each job's cron expression, with the `JOB_SCHEDULES` overrides; throws on an unknown job or a bad expression. */
export function jobSchedules(overrides: Record<string, string>, jobs: readonly Job[] = JOBS): Map<Job, string> {
  for (const name of Object.keys(overrides))
    if (!jobs.some((job) => job.name === name))
      throw new Error(`JOB_SCHEDULES: no job "${name}" (jobs: ${jobs.map((j) => j.name).join(", ")})`);
  return new Map(
    jobs.map((job) => {
      const schedule = overrides[job.name] ?? job.schedule;
      if (!cron.validate(schedule)) throw new Error(`JOB_SCHEDULES: "${schedule}" is not a cron expression (job ${job.name})`);
      return [job, schedule];
    }),
  );
}

/**
 * Schedules every job in this process; returns a function that stops them: no
 * new tick starts, the running ones are told to stop (their signal aborts) and
 * are waited for, so the app can then be closed under none of them. A running
 * export job stops at its next progress point and goes back to the queue.
 * A failing tick (the database away, say) is logged and the next one runs as usual.
 */
export function startJobs(app: AppContext, jobs: readonly Job[] = JOBS): () => Promise<void> {
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  const tick = async (job: Job) => {
    if (stopping.signal.aborted) return;
    try {
      await runBackgroundTask(app, job, stopping.signal);
      app.log.debug({ job: job.name }, "scheduled job ran");
    } catch (error) {
      app.log.error({ err: error, job: job.name }, "scheduled job failed");
    }
  };
  const tasks: ScheduledTask[] = [...jobSchedules(app.env.jobSchedules, jobs)].map(([job, schedule]) =>
    cron.schedule(
      schedule,
      () => {
        const run = tick(job);
        running.add(run);
        return run.finally(() => running.delete(run));
      },
      { name: job.name, timezone: "UTC", noOverlap: true },
    ),
  );
  return async () => {
    stopping.abort();
    await Promise.all(tasks.map((t) => t.stop()));
    // Export jobs started by a request's kick hand their jobs back too.
    await Promise.all([...running, stopExportJobKicks(app)]);
  };
}
