import { setTimeout as sleep } from "node:timers/promises";
import { EmbeddedDatabaseBusy, openApp } from "../app.ts";
import type { Env } from "../config/env.ts";
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

/** Runs registered commands where the database is, for as many commands as the caller needs. */
export interface CommandRunner {
  /** "local": this process opened the database; "server": commands go to the server holding it. */
  readonly where: "local" | "server";
  run(command: string, args: CommandArgs, onProgress?: ProgressFn): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Opens the database in this process when it can, else (the server holds the
 * embedded database) forwards each command to that server's `/_local/cli`.
 * Opened once, so a run of many commands (a file ingested batch by batch)
 * does not reopen the database for each.
 */
export async function openRunner(env: Env): Promise<CommandRunner> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  let told = false;
  for (;;) {
    try {
      const app = await openApp(env);
      return { where: "local", run: (command, args, onProgress) => runCommand(app, command, args, onProgress), close: () => app.close() };
    } catch (error) {
      if (!(error instanceof EmbeddedDatabaseBusy)) throw error;
      const advert = error.advert;
      if (advert)
        return {
          where: "server",
          run: (command, args, onProgress) => runOnServer(advert, command, args, onProgress),
          close: async () => {},
        };
      if (Date.now() > deadline) throw new Error(`${error.message}; gave up after ${BUSY_WAIT_MS / 1000} s`);
      if (!told) process.stderr.write(`${error.message}; waiting for it…\n`);
      told = true;
      await sleep(BUSY_POLL_MS);
    }
  }
}
