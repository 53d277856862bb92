import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { cleanUpExpiredExports } from "../../jobs/clean-up-exports.ts";
import { startJobs } from "../../jobs/index.ts";
import { createExport } from "../../src/exports/create-export.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";

const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_j" });
const HOUR = 3_600_000;
const period = resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW);

describe("clean-up of expired exports", () => {
  test("deletes files and rows older than the retention, and keeps younger ones", async () => {
    let now = FIXTURE_NOW;
    const app = { ...testApp(db, { env: { EXPORT_RETENTION_HOURS: "24" } }), now: () => now };
    // Rows carry the database's clock, so date them by hand: one 25 h old, one 1 h old.
    const old = await createExport(app, { workspaceId: "ws_j", dataType: "users", period });
    const young = await createExport(app, { workspaceId: "ws_j", dataType: "models", period });
    await db.prisma.export.update({ where: { filePath: old.filePath }, data: { createdAt: new Date(now.getTime() - 25 * HOUR) } });
    await db.prisma.export.update({ where: { filePath: young.filePath }, data: { createdAt: new Date(now.getTime() - 1 * HOUR) } });

    expect(await cleanUpExpiredExports(app)).toEqual({ deleted: 1 });
    expect([existsSync(old.absolutePath), existsSync(young.absolutePath)]).toEqual([false, true]);
    expect((await db.prisma.export.findMany({ where: { workspaceId: "ws_j" } })).map((e) => e.filePath)).toEqual([young.filePath]);

    // 24 hours later the other one goes too; running again finds nothing.
    now = new Date(now.getTime() + 24 * HOUR);
    expect(await cleanUpExpiredExports(app)).toEqual({ deleted: 1 });
    expect(await cleanUpExpiredExports(app)).toEqual({ deleted: 0 });
    expect(existsSync(young.absolutePath)).toBe(false);
  });

  test("the scheduler runs registered jobs on their schedule and stops them", async () => {
    const app = testApp(db);
    let runs = 0;
    const stop = startJobs(app, [{ name: "tick", schedule: "* * * * * *", run: async () => void runs++ }]);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    await stop();
    const seen = runs;
    expect(seen).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(runs).toBe(seen);
  });
});
