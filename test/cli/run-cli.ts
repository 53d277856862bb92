import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { seedPgliteDataDir } from "../helpers/database.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * The compiled CLI (what `npm run cli` runs), built by test/global-setup.ts:
 * it starts in a third of the time the sources take under tsx, and these tests
 * start it hundreds of times.
 */
export const CLI_ARGS = ["--enable-source-maps", join(ROOT, "build/server/cli.mjs")];

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The last line of stdout, parsed: where the CLI prints its result. */
  json: unknown;
}

/**
 * A temporary DATA_DIR for the calling test file (embedded PGlite, already
 * migrated as after a first start), removed afterwards.
 */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ue-cli-"));
  seedPgliteDataDir(dir);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs the real CLI (the compiled `build/server/cli.mjs …`, or with `launcher`
 * the installed `bin/usage-exports.js`) on `dataDir`, never on DATABASE_URL.
 */
export function runCli(dataDir: string, args: string[], opts: { launcher?: boolean; env?: Record<string, string> } = {}): Promise<CliRun> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      opts.launcher ? [join(ROOT, "bin/usage-exports.js"), ...args] : [...CLI_ARGS, ...args],
      // The launcher runs from anywhere: start it outside the project.
      { cwd: opts.launcher ? tmpdir() : ROOT, env: { ...inherited, ...opts.env, DATA_DIR: dataDir }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        if (code === -1) return reject(error);
        const last = stdout.trimEnd().split("\n").pop() ?? "";
        let json: unknown;
        try {
          json = last ? JSON.parse(last) : undefined;
        } catch {
          // not JSON: leave undefined
        }
        resolve({ code, stdout, stderr, json });
      },
    );
  });
}
