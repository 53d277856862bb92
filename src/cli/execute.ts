import { parseEnv } from "../config/env.ts";
import type { CommandArgs } from "./commands/args.ts";
import type { ProgressFn } from "./commands/command.ts";
import { openRunner } from "./runner.ts";

/** The CLI's environment. Logs go to stderr; below "warn" they would only bury the CLI's own messages. */
export const cliEnv = () => parseEnv({ LOG_LEVEL: "warn", ...process.env });

/**
 * Runs a registered command wherever the database can be reached: in this
 * process when it can open the database, else in the server that holds the
 * embedded database (through its `/_local/cli` endpoint).
 */
export async function execute(command: string, args: CommandArgs, onProgress?: ProgressFn): Promise<unknown> {
  const runner = await openRunner(cliEnv());
  try {
    return await runner.run(command, args, onProgress);
  } finally {
    await runner.close();
  }
}
