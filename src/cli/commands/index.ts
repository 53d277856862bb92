import type { AppContext } from "../../runtime/context.ts";
import { badRequest } from "../../errors/app-error.ts";
import type { CommandArgs } from "./args.ts";
import type { CliCommand, ProgressFn } from "./command.ts";
import { demo } from "./demo.ts";
import { exportCommand } from "./export.ts";
import { ingestBatch } from "./ingest-batch.ts";
import { keysCreate, keysList, keysRevoke } from "./keys.ts";
import { modelsRenormalize } from "./models.ts";
import { reportsCreate, reportsHistory, reportsList, reportsRunDue } from "./reports.ts";
import { timeSeriesCommand } from "./timeseries.ts";
import { workspaceCreate } from "./workspace-create.ts";

/**
 * Every command the CLI can run, by name. The CLI runs them in its own process
 * when it can open the database, and the server's `/_local/cli` endpoint runs
 * the same entries when the server holds the embedded database.
 */
export const COMMANDS: ReadonlyMap<string, CliCommand> = new Map(
  [
    workspaceCreate,
    keysCreate,
    keysList,
    keysRevoke,
    exportCommand,
    timeSeriesCommand,
    demo,
    reportsCreate,
    reportsList,
    reportsHistory,
    reportsRunDue,
    modelsRenormalize,
    ingestBatch,
  ].map((c) => [c.name, c]),
);

/** The command of that name, or a 400 naming the known ones. */
function findCommand(name: string): CliCommand {
  const command = COMMANDS.get(name);
  if (!command) throw badRequest(`unknown command "${name}"`);
  return command;
}

export function runCommand(app: AppContext, name: string, args: CommandArgs, onProgress?: ProgressFn): Promise<unknown> {
  return findCommand(name).run(app, args, onProgress);
}
