import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { cleanUpReportZips } from "../../jobs/clean-up-report-zips.ts";
import { reportZipPath } from "../../src/exports/export-files.ts";
import type { ReportRunStatus } from "../../src/generated/prisma/client.ts";
import { createSubscription, enqueueRun, type SubscriptionInput } from "../../src/reports/subscriptions.ts";
import { FIXTURE_NOW } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";

const HOUR = 3_600_000;
const db = await testDatabase();
const workspace = await db.prisma.workspace.create({ data: { id: "ws_z", name: "z" } });
const sub = await createSubscription(
  db,
  workspace,
  { name: "Weekly", cadence: "weekly", weekday: 1, time: "08:00", timezone: "UTC", types: [{ dataType: "users" }], channel: "email", recipients: ["a@b.test"] } as SubscriptionInput,
  FIXTURE_NOW,
);

test("a finished run's zip goes once its link has expired; pending, retrying and recent ones stay", async () => {
  let now = FIXTURE_NOW;
  const app = { ...testApp(db, { env: { EXPORT_RETENTION_HOURS: "24" } }), now: () => now };
  const ago = (hours: number) => new Date(now.getTime() - hours * HOUR);
  // A run with a zip on disk, its status, and one attempt started and (maybe) finished then.
  const run = async (status: ReportRunStatus, started: Date, finished: Date | null) => {
    const r = await enqueueRun(db, sub, workspace, "test", now);
    const zipPath = reportZipPath("ws_z", r.id, "weekly-2026-11-02-2026-11-08.zip");
    const file = join(app.exportDir, zipPath);
    await mkdir(join(file, ".."), { recursive: true });
    await writeFile(file, "zip");
    await db.prisma.reportRun.update({ where: { id: r.id }, data: { status, zipPath, attempts: 1 } });
    await db.prisma.deliveryAttempt.create({ data: { id: `${r.id}-1`, runId: r.id, attempt: 1, startedAt: started, finishedAt: finished } });
    return { id: r.id, file };
  };
  const old = await run("delivered", ago(26), ago(25));
  const recent = await run("delivered", ago(2), ago(1));
  const retrying = await run("pending", ago(26), ago(25));
  const crashedThenFailed = await run("failed", ago(30), null);
  const zipPathOf = async (id: string) => (await db.prisma.reportRun.findUniqueOrThrow({ where: { id } })).zipPath;

  expect(await cleanUpReportZips(app)).toEqual({ deleted: 2 });
  expect([old, recent, retrying, crashedThenFailed].map((r) => existsSync(r.file))).toEqual([false, true, true, false]);
  expect(existsSync(join(old.file, ".."))).toBe(false);
  expect(await zipPathOf(old.id)).toBeNull();
  expect(await zipPathOf(recent.id)).not.toBeNull();
  // The runs and their history stay.
  expect(await db.prisma.deliveryAttempt.count({ where: { runId: old.id } })).toBe(1);

  // A day later the recent one goes too, and with the last run folder the workspace's folder.
  now = new Date(now.getTime() + 24 * HOUR);
  await db.prisma.reportRun.update({ where: { id: retrying.id }, data: { status: "delivered" } });
  expect(await cleanUpReportZips(app)).toEqual({ deleted: 2 });
  expect(existsSync(join(app.exportDir, "report-zips", "ws_z"))).toBe(false);
  expect(await cleanUpReportZips(app)).toEqual({ deleted: 0 });
});

test("a zip path outside the export store is forgotten without touching any file", async () => {
  const app = { ...testApp(db, { env: { EXPORT_RETENTION_HOURS: "24" } }), now: () => new Date(FIXTURE_NOW.getTime() + 100 * HOUR) };
  const r = await enqueueRun(db, sub, workspace, "test", FIXTURE_NOW);
  const outside = join(app.exportDir, "..", "keep-me.txt");
  await mkdir(join(outside, ".."), { recursive: true });
  await writeFile(outside, "not a report");
  await db.prisma.reportRun.update({ where: { id: r.id }, data: { status: "delivered", zipPath: "../keep-me.txt" } });
  expect(await cleanUpReportZips(app)).toEqual({ deleted: 1 });
  expect(existsSync(outside)).toBe(true);
  expect((await db.prisma.reportRun.findUniqueOrThrow({ where: { id: r.id } })).zipPath).toBeNull();
});
