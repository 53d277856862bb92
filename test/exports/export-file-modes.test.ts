import { stat } from "node:fs/promises";
import { dirname } from "node:path";
import { afterAll, expect, test } from "vitest";
import { createExport } from "../../src/exports/create-export.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";

const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_m" });
const umask = process.umask();
afterAll(() => void process.umask(umask));

test("an export CSV is readable by the service's user only (0600, in 0700 folders), whatever the umask", async () => {
  process.umask(0o000);
  const app = testApp(db, { now: FIXTURE_NOW });
  const period = resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW);
  const { absolutePath } = await createExport(app, { workspaceId: "ws_m", dataType: "users", period });
  const mode = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);

  expect(await mode(absolutePath)).toBe("600");
  // users-usage/ws_m and users-usage, which createExport made (the export store too: testApp does not).
  expect([dirname(absolutePath), dirname(dirname(absolutePath)), app.exportDir].length).toBe(3);
  expect(await Promise.all([dirname(absolutePath), dirname(dirname(absolutePath)), app.exportDir].map(mode))).toEqual([
    "700",
    "700",
    "700",
  ]);
});
