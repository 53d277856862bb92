import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { openApp, type OpenedApp } from "../../src/app.ts";
import { parseEnv } from "../../src/config/env.ts";
import { createExport } from "../../src/exports/create-export.ts";
import { cleanUpExpiredExports } from "../../src/jobs/clean-up-exports.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testDatabaseUrl } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";

/**
 * Two instances as on two hosts: each its own DATA_DIR, one PostgreSQL and one
 * EXPORT_STORAGE_DIR (the shared volume). PostgreSQL only: the embedded
 * database admits one process per DATA_DIR.
 */
// Hooks belong at the top level: vitest never runs an afterAll registered inside a test or a hook.
const databaseUrl = process.env.DATABASE_URL ? await testDatabaseUrl() : null;
// Made only where the test runs: a file whose tests are all skipped runs none of its hooks, so it would stay behind.
const base = databaseUrl ? mkdtempSync(join(tmpdir(), "ue-shared-volume-")) : "";
afterAll(() => rmSync(base, { recursive: true, force: true }));
const apps: OpenedApp[] = [];
afterAll(() => Promise.all(apps.map((app) => app.close())));

test.skipIf(!databaseUrl)(
  "a file exported through one instance downloads through the other, and either's clean-up deletes it for both",
  async () => {
    const volume = join(base, "volume");
    const open = async (name: string) => {
      const app = await openApp(
        parseEnv({ DATABASE_URL: databaseUrl!, DATA_DIR: join(base, name), EXPORT_STORAGE_DIR: volume, LOG_LEVEL: "silent" }),
      );
      apps.push(app);
      return app;
    };
    const a = await open("a");
    const b = await open("b");
    await createSmallWorkspace(a.db, { id: "ws_shared" });
    const period = resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW);

    const made = await createExport(a, { workspaceId: "ws_shared", dataType: "users", period });
    expect(made.absolutePath).toBe(join(volume, made.filePath));
    const link = new URL(made.downloadUrl);
    const [onA, onB] = [await startTestServer(a), await startTestServer(b)];
    const fromB = await fetch(`${onB}${link.pathname}${link.search}`);
    expect([fromB.status, fromB.headers.get("content-type")]).toEqual([200, "text/csv; charset=utf-8"]);
    expect(Buffer.from(await fromB.arrayBuffer()).equals(readFileSync(made.absolutePath))).toBe(true);

    // b's clean-up, past the retention, deletes the file a wrote (and its row): a's link is gone too.
    const later = { ...b, now: () => new Date(Date.now() + 25 * 3_600_000) };
    expect(await cleanUpExpiredExports(later)).toEqual({ deleted: 1, swept: 0 });
    const fromA = await fetch(`${onA}${link.pathname}${link.search}`);
    expect([fromA.status, await fromA.json()]).toEqual([404, { error: "Not Found", message: "The export file no longer exists" }]);
  },
  60_000,
);
