import { setTimeout as sleep } from "node:timers/promises";
import { EmbeddedDatabaseBusy, openApp } from "../app.ts";
import { parseEnv } from "../config/env.ts";
import type { CommandArgs } from "./commands/args.ts";
import type { ProgressFn } from "./commands/command.ts";
import { runCommand } from "./commands/index.ts";
import { runOnServer } from "./remote.ts";

/**
 * How long to wait for an embedded database held by a process that is not an
 * advertised server: another CLI command finishing, or a server still starting.
 */
const BUSY_WAIT_MS = 60_000;
const BUSY_POLL_MS = 250;

/**
 * Runs a registered command wherever the database can be reached: in this
 * process when it can open the database, else in the server that holds the
 * embedded database (through its `/_local/cli` endpoint).
 */
export async function execute(command: string, args: CommandArgs, onProgress?: ProgressFn): Promise<unknown> {
  // Logs go to stderr; below "warn" they would only bury the CLI's own messages.
  const env = parseEnv({ LOG_LEVEL: "warn", ...process.env });
  const deadline = Date.now() + BUSY_WAIT_MS;
  let told = false;
  for (;;) {
    let app: Awaited<ReturnType<typeof openApp>>;
    try {
      app = await openApp(env);
    } catch (error) {
      if (!(error instanceof EmbeddedDatabaseBusy)) throw error;
      if (error.advert) return runOnServer(error.advert, command, args, onProgress);
      if (Date.now() > deadline) throw new Error(`${error.message}; gave up after ${BUSY_WAIT_MS / 1000} s`);
      if (!told) process.stderr.write(`${error.message}; waiting for it…\n`);
      told = true;
      await sleep(BUSY_POLL_MS);
      continue;
    }
    try {
      return await runCommand(app, command, args, onProgress);
    } finally {
      await app.close();
    }
  }
}
