import { chmod, lstat, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { openApp } from "../../src/app.ts";
import { parseEnv } from "../../src/config/env.ts";
import { usePrivateUmask } from "../../src/config/private-files.ts";
import { createExport } from "../../src/exports/create-export.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";

// A file-backed PGlite in a DATA_DIR of its own, whatever DATABASE_URL says.
const root = await mkdtemp(join(tmpdir(), "ue-private-"));
const dataDir = join(root, "data");
const env = parseEnv({ DATA_DIR: dataDir, LOG_LEVEL: "silent", DEMO: "false" });
const umask = process.umask();
afterAll(async () => {
  process.umask(umask);
  await rm(root, { recursive: true, force: true });
});

/** DATA_DIR and everything in it (links not followed), relative, with the group/other bits each gives away. */
async function openModes(): Promise<{ path: string; mode: string }[]> {
  const entries = await readdir(dataDir, { recursive: true, withFileTypes: true });
  const paths = [dataDir, ...entries.filter((e) => !e.isSymbolicLink()).map((e) => join(e.parentPath, e.name))];
  const modes = await Promise.all(paths.map(async (p) => ({ path: relative(root, p), mode: (await lstat(p)).mode & 0o777 })));
  return modes.filter((m) => (m.mode & 0o077) !== 0).map((m) => ({ path: m.path, mode: m.mode.toString(8) }));
}

async function countFiles(dir: string): Promise<number> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
}

describe("DATA_DIR is private to the service's user", () => {
  test("a new one holds nothing group or others can read: PGlite's files, the signing secret, exports", async () => {
    // As every entry point does. PGlite does not honour it for all files (initdb's
    // come out 0666, pg_internal.init 0644): openApp tightens those itself.
    usePrivateUmask();
    const app = await openApp(env);
    await createSmallWorkspace(app.db, { id: "ws_private" });
    const period = resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW);
    const exported = await createExport({ ...app, now: () => FIXTURE_NOW }, { workspaceId: "ws_private", dataType: "users", period });
    expect(exported.recordCount).toBeGreaterThan(0);
    expect(await openModes()).toEqual([]);
    await app.close();

    expect(await countFiles(join(dataDir, "pglite"))).toBeGreaterThan(500);
    expect(await openModes()).toEqual([]);
  });

  test("one an older version left open is tightened at the next start; files that aren't the service's are left alone", async () => {
    // As an older version (umask 022, PGlite's own modes) left it.
    process.umask(0o022);
    const entries = await readdir(dataDir, { recursive: true, withFileTypes: true });
    for (const e of entries) await chmod(join(e.parentPath, e.name), e.isDirectory() ? 0o755 : 0o666);
    await chmod(dataDir, 0o755);
    await writeFile(join(dataDir, "notes.txt"), "someone else's", { mode: 0o644 });
    expect((await openModes()).length).toBeGreaterThan(500);

    const app = await openApp(env);
    expect(await openModes()).toEqual([{ path: "data/notes.txt", mode: "644" }]);
    expect(await app.db.prisma.workspace.count()).toBe(1);
    await app.close();
    expect(await openModes()).toEqual([{ path: "data/notes.txt", mode: "644" }]);
  });
});
