import { expect, test } from "vitest";
import { createJob } from "../../src/export-jobs/store.ts";
import { cleanUpExpiredExports } from "../../src/jobs/clean-up-exports.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";

// The hourly export clean-up also deletes async export jobs that finished
// longer than EXPORT_RETENTION_HOURS ago (their files go with it); jobs not
// finished, or finished since, stay.

const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_j" });
const HOUR = 3_600_000;
const app = testApp(db, { now: FIXTURE_NOW, env: { EXPORT_RETENTION_HOURS: "24" } });
const request = {
  kind: "file",
  dataType: "users",
  period: resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW),
  groupBy: null,
  format: "csv",
} as const;

test("finished jobs older than the retention are deleted; queued, running and recent ones stay", async () => {
  const job = async (status: "queued" | "running" | "succeeded" | "failed" | "cancelled", finishedHoursAgo: number | null) => {
    const { job: created } = await createJob(db, {
      workspaceId: "ws_j",
      request,
      requestText: `${status}-${finishedHoursAgo}`,
      idempotencyKey: null,
    });
    const finishedAt = finishedHoursAgo === null ? null : new Date(FIXTURE_NOW.getTime() - finishedHoursAgo * HOUR);
    await db.prisma.exportJob.update({ where: { workspaceId_id: { workspaceId: "ws_j", id: created.id } }, data: { status, finishedAt } });
    return created.id;
  };
  const old = [await job("succeeded", 25), await job("failed", 30), await job("cancelled", 48)];
  const kept = [await job("succeeded", 23), await job("queued", null), await job("running", null)];
  await cleanUpExpiredExports(app);
  const left = await db.prisma.exportJob.findMany({ where: { workspaceId: "ws_j" }, select: { id: true } });
  expect(left.map((j) => j.id).sort()).toEqual([...kept].sort());
  expect(old.every((id) => !left.some((j) => j.id === id))).toBe(true);
});
