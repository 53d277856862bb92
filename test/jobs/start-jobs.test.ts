import { Writable } from "node:stream";
import { pino } from "pino";
import { expect, test } from "vitest";
import { jobSchedules, JOBS, startJobs } from "../../src/jobs/index.ts";
import type { Job } from "../../src/jobs/job.ts";
import { parseEnv } from "../../src/config/env.ts";
import { testDatabase } from "../helpers/database.ts";
import { testApp } from "../helpers/app.ts";

const db = await testDatabase();

/** A logger whose lines land in `lines`, parsed. */
function capturingLogger() {
  const lines: { level: number; msg: string; job?: string; err?: { message: string } }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: "debug" }, sink), lines };
}

test("a job whose tick fails is logged, and its next tick runs", async () => {
  const { log, lines } = capturingLogger();
  const app = { ...testApp(db), log };
  let ticks = 0;
  const flaky: Job = {
    name: "flaky",
    schedule: "* * * * * *", // every second
    run: async () => {
      ticks += 1;
      if (ticks === 1) throw new Error("Connection terminated unexpectedly");
    },
  };
  const stop = startJobs(app, [flaky]);
  try {
    await expect.poll(() => ticks, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(3);
  } finally {
    await stop();
  }
  const failures = lines.filter((l) => l.msg === "scheduled job failed");
  expect(failures.map((l) => [l.job, l.err?.message])).toEqual([["flaky", "Connection terminated unexpectedly"]]);
  expect(lines.filter((l) => l.msg === "scheduled job ran").length).toBeGreaterThanOrEqual(2);
});

test("JOB_SCHEDULES overrides a job's schedule and refuses unknown jobs and bad expressions", () => {
  const env = parseEnv({ JOB_SCHEDULES: "clean-up-exports=* * * * *; clean-up-report-zips = */5 * * * *" });
  const schedules = jobSchedules(env.jobSchedules);
  expect(Object.fromEntries([...schedules].map(([job, cron]) => [job.name, cron]))).toEqual({
    "clean-up-exports": "* * * * *",
    "clean-up-report-zips": "*/5 * * * *",
    "deliver-reports": JOBS.find((j) => j.name === "deliver-reports")!.schedule,
    "run-export-jobs": "*/2 * * * * *",
    "create-usage-partitions": "13 0 * * *",
    "drop-expired-usage-partitions": "23 3 * * *",
  });
  expect(() => jobSchedules(parseEnv({ JOB_SCHEDULES: "no-such-job=* * * * *" }).jobSchedules)).toThrow(
    'JOB_SCHEDULES: no job "no-such-job" (jobs: clean-up-exports, clean-up-report-zips, deliver-reports, run-export-jobs, create-usage-partitions, drop-expired-usage-partitions)',
  );
  expect(() => jobSchedules(parseEnv({ JOB_SCHEDULES: "deliver-reports=every minute" }).jobSchedules)).toThrow(
    'JOB_SCHEDULES: "every minute" is not a cron expression (job deliver-reports)',
  );
  expect(() => parseEnv({ JOB_SCHEDULES: "deliver-reports" })).toThrow('"deliver-reports" is not name=cron');
});

test("stopping tells a running tick to stop (its signal aborts) and waits for it to return", async () => {
  const app = testApp(db);
  let started = false;
  let finished = false;
  const slow: Job = {
    name: "slow",
    schedule: "* * * * * *",
    run: async (_app, signal) => {
      started = true;
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      finished = true;
    },
  };
  const stop = startJobs(app, [slow]);
  await expect.poll(() => started, { timeout: 10_000, interval: 50 }).toBe(true);
  expect(finished).toBe(false);
  await stop();
  expect(finished).toBe(true);
});
