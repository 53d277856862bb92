import { existsSync } from "node:fs";
import { mkdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, test } from "vitest";
import { cleanUpReportZips, cleanUpReportZipsJob } from "../../src/jobs/clean-up-report-zips.ts";
import { JOBS } from "../../src/jobs/index.ts";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { reportZipPath } from "../../src/exports/export-files.ts";
import type { ReportRunStatus } from "../../src/generated/prisma/client.ts";
import { deliverRunNowTask } from "../../src/reports/process-due-runs.ts";
import { runBackgroundTask } from "../../src/runtime/background-task.ts";
import { createSubscription, enqueueRun, type SubscriptionInput } from "../../src/reports/subscriptions.ts";
import { createSmallWorkspace, FIXTURE_NOW } from "../fixtures/small-workspace.ts";
import { type TestApp, testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";
import { startSmtpCapture } from "../helpers/smtp.ts";

const HOUR = 3_600_000;
const db = await testDatabase();
const workspace = await db.prisma.workspace.create({ data: { id: "ws_z", name: "z" } });
const weekly: SubscriptionInput = {
  name: "Weekly",
  cadence: "weekly",
  weekday: 1,
  time: "08:00",
  timezone: "UTC",
  types: [{ dataType: "users" }],
  channel: "email",
  recipients: ["a@b.test"],
};
const sub = await createSubscription(db, workspace, weekly, FIXTURE_NOW);
const { url: smtpUrl, received } = await startSmtpCapture();

// Every test starts with no runs: the job reads all of them, whichever export store it cleans.
afterEach(() => db.prisma.reportRun.deleteMany());

/** A test app with its own export store, a 24-hour retention, a movable clock and its warnings kept. */
function cleanUpApp(env: Record<string, string> = {}) {
  const warnings: string[] = [];
  const log = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  const clock = { now: FIXTURE_NOW };
  const app = { ...testApp(db, { env: { EXPORT_RETENTION_HOURS: "24", ...env } }), log, now: () => clock.now };
  const ago = (hours: number) => new Date(clock.now.getTime() - hours * HOUR);
  return { app, clock, ago, warnings };
}

/** A run of `sub` in `status` with a zip on disk and one logged attempt per [started, finished]. */
async function runWithZip(app: TestApp, status: ReportRunStatus, attempts: [Date, Date | null][], ofSub = sub) {
  const r = await enqueueRun(db, ofSub, workspace, "test", app.now());
  const zipPath = reportZipPath(workspace.id, r.id, "weekly-2026-11-02-2026-11-08.zip");
  const file = join(app.exportDir, zipPath);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, "zip");
  await db.prisma.reportRun.updateMany({ where: { id: r.id }, data: { status, zipPath, attempts: attempts.length } });
  for (const [i, [startedAt, finishedAt]] of attempts.entries()) {
    await db.prisma.deliveryAttempt.create({
      data: { workspaceId: workspace.id, id: `${r.id}-${i + 1}`, runId: r.id, attempt: i + 1, startedAt, finishedAt },
    });
  }
  return { id: r.id, file, dir: dirname(file) };
}

const zipPathOf = async (id: string) => (await db.prisma.reportRun.findFirstOrThrow({ where: { id } })).zipPath;

describe("clean-up of report zips", () => {
  test("is one of the scheduled jobs, hourly", () => {
    expect(JOBS).toContain(cleanUpReportZipsJob);
    expect(cleanUpReportZipsJob.schedule).toBe("17 * * * *");
  });

  test("a delivered run's zip goes once its last attempt ended longer ago than the retention, with its empty folders; the run and its history stay", async () => {
    const { app, ago } = cleanUpApp();
    const old = await runWithZip(app, "delivered", [[ago(26), ago(25)]]);

    expect(await cleanUpReportZips(app)).toEqual({ deleted: 1, swept: 0 });
    expect([existsSync(old.file), existsSync(old.dir), existsSync(join(app.exportDir, "report-zips", "ws_z"))]).toEqual([
      false,
      false,
      false,
    ]);
    expect(await db.prisma.reportRun.findFirstOrThrow({ where: { id: old.id } })).toMatchObject({ status: "delivered", zipPath: null });
    expect(await db.prisma.deliveryAttempt.count({ where: { runId: old.id } })).toBe(1);
    // Running again (or on another instance) finds nothing left to do.
    expect(await cleanUpReportZips(app)).toEqual({ deleted: 0, swept: 0 });
  });

  test("a finished run's zip is kept while its last attempt is younger than the retention, and goes after it", async () => {
    const { app, clock, ago } = cleanUpApp();
    // Failed once long ago, delivered an hour ago: the last attempt counts.
    const recent = await runWithZip(app, "delivered", [
      [ago(31), ago(30)],
      [ago(2), ago(1)],
    ]);
    const failedRecently = await runWithZip(app, "failed", [
      [ago(30), ago(29)],
      [ago(2), ago(1)],
    ]);

    expect(await cleanUpReportZips(app)).toEqual({ deleted: 0, swept: 0 });
    expect([existsSync(recent.file), existsSync(failedRecently.file)]).toEqual([true, true]);
    expect(await zipPathOf(recent.id)).not.toBeNull();

    clock.now = new Date(clock.now.getTime() + 24 * HOUR);
    expect(await cleanUpReportZips(app)).toEqual({ deleted: 2, swept: 0 });
    expect([existsSync(recent.dir), existsSync(failedRecently.dir)]).toEqual([false, false]);
  });

  test("a failed run whose last attempt never finished (a crash) counts from when that attempt started", async () => {
    const { app, ago } = cleanUpApp();
    const crashedLongAgo = await runWithZip(app, "failed", [[ago(30), null]]);
    const crashedRecently = await runWithZip(app, "failed", [
      [ago(30), ago(29)],
      [ago(3), null],
    ]);

    expect(await cleanUpReportZips(app)).toEqual({ deleted: 1, swept: 0 });
    expect([existsSync(crashedLongAgo.file), existsSync(crashedRecently.file)]).toEqual([false, true]);
  });

  test("a pending, retrying or running run keeps its zip however old it is", async () => {
    const { app, ago } = cleanUpApp();
    const pending = await runWithZip(app, "pending", []);
    const retrying = await runWithZip(app, "pending", [[ago(101), ago(100)]]);
    // A worker that crashed mid-attempt: its lease ran out and another worker will take the run over.
    const running = await runWithZip(app, "running", [[ago(100), null]]);
    await db.prisma.reportRun.updateMany({ where: { id: running.id }, data: { leaseOwner: "gone", leaseUntil: ago(99) } });
    // Its first build failed before recording a zip; the next attempt builds into the same folder (made again if tidied).
    const retryingWithoutZip = await runWithZip(app, "pending", [[ago(101), ago(100)]]);
    await db.prisma.reportRun.updateMany({ where: { id: retryingWithoutZip.id }, data: { zipPath: null } });
    await rm(retryingWithoutZip.file);
    for (const r of [pending, retrying, running]) await utimes(r.file, ago(100), ago(100));

    expect(await cleanUpReportZips(app)).toEqual({ deleted: 0, swept: 0 });
    expect([pending, retrying, running].map((r) => existsSync(r.file))).toEqual([true, true, true]);
    expect(await zipPathOf(retrying.id)).not.toBeNull();
  });

  test("run folders no live run accounts for (a deleted subscription's) go once their files are as old as the retention; a failed build's empty folder is tidied", async () => {
    const { app, ago } = cleanUpApp();
    const gone = await createSubscription(db, workspace, { ...weekly, name: "Deleted" }, FIXTURE_NOW);
    const orphanOld = await runWithZip(app, "delivered", [[ago(2), ago(1)]], gone);
    const orphanRecent = await runWithZip(app, "delivered", [[ago(2), ago(1)]], gone);
    await db.prisma.reportSubscription.deleteMany({ where: { id: gone.id } });
    // A build that failed for good before any zip was recorded leaves an empty folder.
    const emptyFailed = await runWithZip(app, "failed", [[ago(30), ago(29)]]);
    await db.prisma.reportRun.updateMany({ where: { id: emptyFailed.id }, data: { zipPath: null } });
    await rm(emptyFailed.file);
    // Not a run's folder: its files are never touched.
    const stranger = join(app.exportDir, "report-zips", "ws_z", "not-a-run", "notes.txt");
    await mkdir(dirname(stranger));
    await writeFile(stranger, "kept");
    for (const file of [orphanOld.file, stranger]) await utimes(file, ago(25), ago(25));

    expect(await cleanUpReportZips(app)).toEqual({ deleted: 0, swept: 1 });
    expect([orphanOld.dir, orphanRecent.dir, emptyFailed.dir, stranger].map((d) => existsSync(d))).toEqual([false, true, false, true]);
  });

  test("a live run's folder loses a crashed build's partial zip once as old as the retention; a younger one (a build under way) and the zips stay", async () => {
    const { app, ago } = cleanUpApp();
    const pending = await runWithZip(app, "pending", [[ago(30), ago(29)]]);
    const recent = await runWithZip(app, "delivered", [[ago(2), ago(1)]]);
    const partial = async (dir: string, name: string, hours: number) => {
      const file = join(dir, name);
      await writeFile(file, "half a zip");
      await utimes(file, ago(hours), ago(hours));
      return file;
    };
    const crashed = await partial(pending.dir, "renamed-2026-11-02-2026-11-08.zip.partial", 25);
    const building = await partial(pending.dir, "weekly-2026-11-02-2026-11-08.zip.partial", 23);
    const crashedToo = await partial(recent.dir, "renamed-2026-11-02-2026-11-08.zip.partial", 24);

    expect(await cleanUpReportZips(app)).toEqual({ deleted: 0, swept: 2 });
    expect([crashed, building, crashedToo, pending.file, recent.file].map((f) => existsSync(f))).toEqual([false, true, false, true, true]);
  });

  test("a folder that can't be deleted is logged and tried again next time, without holding up the others", async () => {
    const { app, ago, warnings } = cleanUpApp();
    const fine = await runWithZip(app, "delivered", [[ago(26), ago(25)]]);
    const blocked = await runWithZip(app, "delivered", [[ago(26), ago(25)]]);
    // The run's folder sits under a file, so deleting it fails (ENOTDIR), even as root.
    const blockedPath = reportZipPath("ws_blocked", blocked.id, "weekly-2026-11-02-2026-11-08.zip");
    await db.prisma.reportRun.updateMany({ where: { id: blocked.id }, data: { zipPath: blockedPath } });
    const blocker = join(app.exportDir, "report-zips", "ws_blocked");
    await writeFile(blocker, "in the way");

    expect(await cleanUpReportZips(app)).toEqual({ deleted: 1, swept: 0 });
    expect(existsSync(fine.dir)).toBe(false);
    expect(await zipPathOf(blocked.id)).toBe(blockedPath);
    expect(warnings).toEqual(["could not delete a report zip folder; the next clean-up tries again"]);

    await rm(blocker);
    expect(await cleanUpReportZips(app)).toEqual({ deleted: 1, swept: 0 });
    expect(await zipPathOf(blocked.id)).toBeNull();
  });

  test("a zip path outside the export store is forgotten without touching any file", async () => {
    const { app } = cleanUpApp();
    const r = await enqueueRun(db, sub, workspace, "test", FIXTURE_NOW);
    const outside = join(app.exportDir, "..", "keep-me.txt");
    await writeFile(outside, "not a report");
    await db.prisma.reportRun.updateMany({ where: { id: r.id }, data: { status: "delivered", zipPath: "../keep-me.txt" } });

    expect(await cleanUpReportZips(app)).toEqual({ deleted: 1, swept: 0 });
    expect(existsSync(outside)).toBe(true);
    expect(await zipPathOf(r.id)).toBeNull();
  });

  test("without any report zip there is nothing to do; a report-zips entry that is not a folder fails the job", async () => {
    const { app } = cleanUpApp();
    expect(await cleanUpReportZips(app)).toEqual({ deleted: 0, swept: 0 });
    await mkdir(app.exportDir, { recursive: true });
    await writeFile(join(app.exportDir, "report-zips"), "not a folder");
    await expect(cleanUpReportZips(app)).rejects.toMatchObject({ code: "ENOTDIR" });
  });

  test("several instances at once delete each zip once and leave no folder and no warning behind", async () => {
    const { app, ago, warnings } = cleanUpApp();
    const finished = await Promise.all(Array.from({ length: 12 }, () => runWithZip(app, "delivered", [[ago(26), ago(25)]])));
    const gone = await createSubscription(db, workspace, { ...weekly, name: "Deleted" }, FIXTURE_NOW);
    const orphans = await Promise.all(Array.from({ length: 12 }, () => runWithZip(app, "delivered", [[ago(26), ago(25)]], gone)));
    await db.prisma.reportSubscription.deleteMany({ where: { id: gone.id } });
    for (const o of orphans) await utimes(o.file, ago(25), ago(25));

    const results = await Promise.all([cleanUpReportZips(app), cleanUpReportZips(app), cleanUpReportZips(app)]);
    expect(results.reduce((sum, r) => sum + r.deleted, 0)).toBe(12);
    expect([...finished, ...orphans].filter((r) => existsSync(r.dir))).toEqual([]);
    expect(existsSync(join(app.exportDir, "report-zips", "ws_z"))).toBe(false);
    expect(warnings).toEqual([]);
  });

  test("a folder another instance deletes between this one's listing and its deleting is skipped quietly", async () => {
    const { app, ago, warnings } = cleanUpApp();
    const gone = await createSubscription(db, workspace, { ...weekly, name: "Deleted" }, FIXTURE_NOW);
    const orphans = await Promise.all(Array.from({ length: 3 }, () => runWithZip(app, "delivered", [], gone)));
    await db.prisma.reportSubscription.deleteMany({ where: { id: gone.id } });
    for (const o of orphans) await utimes(o.file, ago(25), ago(25));
    // The other instance runs to the end right after this one has looked its listed folders up.
    let other: { deleted: number; swept: number } | undefined;
    const prisma = db.prisma.$extends({
      query: {
        reportRun: {
          async findMany({ args, query }) {
            const rows = await query(args);
            if (args.select?.status && !other) other = await cleanUpReportZips(app);
            return rows;
          },
        },
      },
    });
    // biome-ignore lint/nursery/noUnsafeTypeAssertion: an extended client is the same client at run time; Prisma only types it apart.
    const first = { ...app, db: { ...db, prisma: prisma as unknown as typeof db.prisma } };

    expect(await cleanUpReportZips(first)).toEqual({ deleted: 0, swept: 0 });
    expect(other).toEqual({ deleted: 0, swept: 3 });
    expect(orphans.filter((o) => existsSync(o.dir))).toEqual([]);
    expect(warnings).toEqual([]);
  });

  test("re-sending a run whose zip was deleted builds and delivers a new zip from the same period", async () => {
    const rich = await createSmallWorkspace(db, { id: "ws_zr" }).then((id) => db.prisma.workspace.findUniqueOrThrow({ where: { id } }));
    const { app, clock } = cleanUpApp({ SMTP_URL: smtpUrl });
    const url = await startTestServer(app);
    const admin = (await createAccessKey(db, { workspaceId: rich.id, role: "admin" })).apiKey;
    const monthly = await createSubscription(
      db,
      rich,
      {
        name: "Resent",
        cadence: "monthly",
        dayOfMonth: 1,
        time: "08:00",
        timezone: "UTC",
        types: [{ dataType: "users" }],
        channel: "email",
        recipients: ["cfo@acme.test"],
      } satisfies SubscriptionInput,
      FIXTURE_NOW,
    );
    const first = await enqueueRun(db, monthly, rich, "test", clock.now);
    expect(await runBackgroundTask(app, deliverRunNowTask(first))).toBe("delivered");
    const firstFile = join(app.exportDir, (await zipPathOf(first.id))!);
    expect(existsSync(firstFile)).toBe(true);

    clock.now = new Date(clock.now.getTime() + 25 * HOUR);
    expect(await cleanUpReportZips(app)).toEqual({ deleted: 1, swept: 0 });
    expect(existsSync(firstFile)).toBe(false);

    const resent = await graphql(
      url,
      admin,
      `mutation($id: ID!) { resendReportRun(runId: $id) { ... on MutationResendReportRunSuccess { data { id kind status periodStart periodEnd } } } }`,
      { id: first.id },
    );
    const run = resent.body.data.resendReportRun.data;
    expect(run).toMatchObject({ kind: "resend", status: "delivered", periodStart: "2026-10-01", periodEnd: "2026-10-31" });
    const newFile = join(app.exportDir, (await zipPathOf(run.id))!);
    const mails = received.filter((m) => m.subject?.includes('"Resent"'));
    expect(mails.length).toBe(2);
    const attachment = mails[1]!.attachments[0]!;
    expect(attachment.filename).toBe("resent-2026-10-01-2026-10-31.zip");
    expect(attachment.content.equals(await readFile(newFile))).toBe(true);
    expect(attachment.content.subarray(0, 2).toString()).toBe("PK");
  });
});
