import { existsSync } from "node:fs";
import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { pino } from "pino";
import { describe, expect, test, vi } from "vitest";
import { cleanUpExpiredExports } from "../../src/jobs/clean-up-exports.ts";
import { startJobs } from "../../src/jobs/index.ts";
import { createExport } from "../../src/exports/create-export.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";

const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_j" });
const HOUR = 3_600_000;
const period = resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW);

// The tests run as root, who may read any folder: one the sweep can't read is simulated.
const unreadable = vi.hoisted(() => new Set<string>());
vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  const readdir = async (path: string, ...rest: unknown[]): Promise<unknown> => {
    if (unreadable.has(String(path))) throw Object.assign(new Error(`EACCES: permission denied, scandir '${path}'`), { code: "EACCES" });
    return Reflect.apply(fs.readdir, fs, [path, ...rest]);
  };
  return { ...fs, readdir, default: { ...fs, readdir } };
});

/** A test app with its own export store, a 24-hour retention, the fixture's clock and its warnings kept. */
function sweepApp() {
  const warnings: string[] = [];
  const log = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  const app = { ...testApp(db, { env: { EXPORT_RETENTION_HOURS: "24" } }), log, now: () => FIXTURE_NOW };
  /** Writes a file under the export store, last changed `hours` before the clock. */
  const file = async (rel: string, hours: number) => {
    const path = join(app.exportDir, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, "x");
    const at = new Date(FIXTURE_NOW.getTime() - hours * HOUR);
    await utimes(path, at, at);
    return path;
  };
  return { app, file, warnings };
}

/** Every file and folder under `dir`, relative to it, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => relative(dir, join(e.parentPath, e.name)) + (e.isDirectory() ? "/" : "")).sort();
}

describe("clean-up of expired exports", () => {
  test("deletes files and rows older than the retention, and keeps younger ones", async () => {
    let now = FIXTURE_NOW;
    const app = { ...testApp(db, { env: { EXPORT_RETENTION_HOURS: "24" } }), now: () => now };
    // Rows carry the database's clock, so date them by hand: one 25 h old, one 1 h old.
    const old = await createExport(app, { workspaceId: "ws_j", dataType: "users", period });
    const young = await createExport(app, { workspaceId: "ws_j", dataType: "models", period });
    await db.prisma.export.updateMany({ where: { filePath: old.filePath }, data: { createdAt: new Date(now.getTime() - 25 * HOUR) } });
    await db.prisma.export.updateMany({ where: { filePath: young.filePath }, data: { createdAt: new Date(now.getTime() - 1 * HOUR) } });

    expect(await cleanUpExpiredExports(app)).toEqual({ deleted: 1, swept: 0 });
    expect([existsSync(old.absolutePath), existsSync(young.absolutePath)]).toEqual([false, true]);
    expect((await db.prisma.export.findMany({ where: { workspaceId: "ws_j" } })).map((e) => e.filePath)).toEqual([young.filePath]);

    // 24 hours later the other one goes too; running again finds nothing.
    now = new Date(now.getTime() + 24 * HOUR);
    expect(await cleanUpExpiredExports(app)).toEqual({ deleted: 1, swept: 0 });
    expect(await cleanUpExpiredExports(app)).toEqual({ deleted: 0, swept: 0 });
    expect(existsSync(young.absolutePath)).toBe(false);
  });

  test("files no export row names (a crash's partials and CSVs) go once as old as the retention, with folders left empty; tracked and younger files stay", async () => {
    const { app, file } = sweepApp();
    // A recorded export whose file is older than its row: the row decides, later.
    const tracked = await createExport(app, { workspaceId: "ws_j", dataType: "users", period });
    await db.prisma.export.updateMany({
      where: { filePath: tracked.filePath },
      data: { createdAt: new Date(FIXTURE_NOW.getTime() - HOUR) },
    });
    const at = new Date(FIXTURE_NOW.getTime() - 30 * HOUR);
    await utimes(tracked.absolutePath, at, at);
    const csv = (ws: string, suffix: string) => `users-usage/${ws}/users-usage-2026-10-01-2026-10-31-${suffix}.csv`;
    await file(csv("ws_j", "0000000a"), 25); // renamed into place, then the process died before recording it
    await file(csv("ws_j", "0000000b"), 1); // just renamed into place: its row is moments away
    await file(`${csv("ws_j", "0000000c")}.partial`, 25); // a crashed export's
    await file(`${csv("ws_j", "0000000d")}.partial`, 24); // exactly as old as the retention
    await file(`${csv("ws_j", "0000000e")}.partial`, 23); // maybe still being written
    await file(`models-usage/ws_gone/${"m".repeat(8)}.csv.partial`, 48); // its folders end up empty
    await mkdir(join(app.exportDir, "agents-usage", "ws_empty"), { recursive: true }); // emptied by an earlier clean-up
    await file("stray.txt", 100);
    // Report zips are their own job's, whatever their age.
    await file("report-zips/ws_j/00000000-0000-0000-0000-000000000000/weekly.zip.partial", 100);

    expect(await cleanUpExpiredExports(app)).toEqual({ deleted: 0, swept: 5 });
    expect(await tree(app.exportDir)).toEqual(
      [
        "report-zips/",
        "report-zips/ws_j/",
        "report-zips/ws_j/00000000-0000-0000-0000-000000000000/",
        "report-zips/ws_j/00000000-0000-0000-0000-000000000000/weekly.zip.partial",
        "users-usage/",
        "users-usage/ws_j/",
        csv("ws_j", "0000000b"),
        `${csv("ws_j", "0000000e")}.partial`,
        tracked.filePath,
      ].sort(),
    );
    // Running again (or on another instance) finds nothing left to do.
    expect(await cleanUpExpiredExports(app)).toEqual({ deleted: 0, swept: 0 });
  });

  test("a folder that can't be read is logged and swept next time, without holding up the others", async () => {
    const { app, file, warnings } = sweepApp();
    const blocked = await file("users-usage/ws_blocked/a.csv.partial", 25);
    const fine = await file("users-usage/ws_fine/b.csv.partial", 25);
    unreadable.add(dirname(blocked));
    try {
      expect(await cleanUpExpiredExports(app)).toEqual({ deleted: 0, swept: 1 });
    } finally {
      unreadable.clear();
    }
    expect([existsSync(blocked), existsSync(fine)]).toEqual([true, false]);
    expect(warnings).toEqual(["could not read an export folder; the next clean-up tries again"]);

    expect(await cleanUpExpiredExports(app)).toEqual({ deleted: 0, swept: 1 });
    expect(await tree(app.exportDir)).toEqual([]);
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
