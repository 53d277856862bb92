import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { acquireEmbeddedLock } from "../../src/db/embedded-lock.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

test("the stand-alone scheduler refuses to start while another process holds the embedded database", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "ue-sched-"));
  const lock = await acquireEmbeddedLock(dataDir);
  try {
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ["build/server/scheduler.mjs"],
        { cwd: ROOT, env: { ...env, DATA_DIR: dataDir, LOG_LEVEL: "silent" }, timeout: 30_000 },
        (error, _stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stderr }),
      ),
    );
    expect(result).toEqual({
      code: 1,
      stderr:
        "Cannot start the scheduler: the embedded database in DATA_DIR is in use by another process. npm start already runs the jobs.\n",
    });
  } finally {
    await lock?.release();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
