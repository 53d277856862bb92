import { resolve } from "node:path";
import { Command } from "commander";
import { usePrivateUmask } from "../config/private-files.ts";
import type { ExportResult } from "../exports/create-export.ts";
import type { CommandArgs } from "./commands/args.ts";
import { saveExportAs } from "./commands/export.ts";
import { findCommand } from "./commands/index.ts";
import { cliEnv, execute } from "./execute.ts";
import { ingestFile, parseIngestFileArgs } from "./ingest-file.ts";
import { progressBar } from "./progress.ts";
import { openRunner } from "./runner.ts";

// Whatever the CLI writes into DATA_DIR (the embedded database, exports) is the service user's alone.
usePrivateUmask();

/**
 * `usage-exports <command>`: parses flags with commander and hands them, as a
 * plain object, to the command registry (which checks them, naming each bad
 * flag). The JSON result is the last line of stdout; errors go to stderr, exit 1.
 */
const program = new Command("usage-exports")
  .description("Usage Exports: workspaces, API keys, CSV exports and demo data")
  .showSuggestionAfterError();

interface ActionOptions {
  /** Names under which the positional arguments join the flags. */
  positional?: string[];
  /** Label of the progress bar. */
  progress?: string;
  /** Work done here, in the CLI process, after the command (e.g. copying a file). */
  finish?: (result: unknown, args: CommandArgs) => Promise<unknown>;
}

/** A commander action that runs a registered command and prints its JSON result. */
function action(name: string, opts: ActionOptions = {}) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const args: CommandArgs = { ...command.opts() };
    opts.positional?.forEach((key, i) => (args[key] = command.processedArgs[i]));
    // Flags first: a typo fails at once, without waiting for the database.
    findCommand(name).check(args);
    const bar = progressBar(opts.progress ?? name);
    let result: unknown;
    try {
      result = await execute(name, args, bar.onProgress);
    } finally {
      bar.stop();
    }
    if (opts.finish) result = await opts.finish(result, args);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  };
}

/**
 * `ingest FILE`: not one registered command but many, one per batch, which
 * the CLI drives from here so that it reads the file and keeps the checkpoint
 * while the batches run wherever the database is.
 */
async function ingestFileAction(file: string, _opts: unknown, command: Command) {
  const input = parseIngestFileArgs({ ...command.opts(), file });
  const env = cliEnv();
  const runner = await openRunner(env);
  const bar = progressBar("Ingesting", { bytes: true });
  let result: unknown;
  try {
    result = await ingestFile(runner, env, input, {
      onProgress: bar.onProgress,
      notice: (text) => process.stderr.write(`${text}\n`),
    });
  } finally {
    bar.stop();
    await runner.close();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const workspace = program.command("workspace").description("Manage workspaces");
workspace
  .command("create")
  .description("Create a workspace and its first admin API key; prints { workspaceId, apiKey }")
  .option("--name <name>", "workspace name")
  .option("--timezone <zone>", "IANA time zone for presets and reports (default UTC)")
  .option("--byok", "the workspace brings its own model keys (adds the BYOK columns)")
  .option("--no-user-level-data", "leave names and emails out of exports")
  .option("--first-weekday <n>", "first day of the week, 0 = Sunday … 6 = Saturday")
  .action(action("workspace create"));

const keys = program.command("keys").description("Manage the API keys of a workspace");
keys
  .command("create")
  .description("Create an API key; prints { apiKey } (shown only this once)")
  .option("--workspace <id>", "workspace id")
  .option("--role <role>", "admin, export or ingest")
  .option("--name <name>", "a label for the key")
  .action(action("keys create"));
keys
  .command("list")
  .description("List a workspace's keys (without secrets)")
  .option("--workspace <id>", "workspace id")
  .action(action("keys list"));
keys
  .command("revoke")
  .description("Revoke a key")
  .option("--workspace <id>", "workspace id")
  .option("--key <keyId>", "the key's id, as `keys list` shows it")
  .action(action("keys revoke"));

program
  .command("export")
  .description("Export a data type as CSV; prints the export's JSON")
  .argument("<dataType>", "users, agents (or assistants), api_keys, projects or models")
  .option("--workspace <id>", "workspace id")
  .option("--last-month", "the previous calendar month")
  .option("--this-month", "the current calendar month")
  .option("--last-week", "the previous week")
  .option("--this-week", "the current week")
  .option("--from <date>", "first day (YYYY-MM-DD), with --to")
  .option("--to <date>", "last day (YYYY-MM-DD), included")
  .option("--tz <zone>", "IANA time zone of the period (default: the workspace's)")
  .option("--group-by <group>", "subgroup rows: model, source or deployment")
  .option("-o, --output <file>", "also copy the CSV to this file")
  .action(
    action("export", {
      positional: ["dataType"],
      progress: "Exporting rows",
      finish: async (result, args) =>
        typeof args.output === "string" ? saveExportAs(result as ExportResult, resolve(args.output)) : result,
    }),
  );

program
  .command("ingest")
  .description("Send an NDJSON file (plain or gzip) in batches; resumes after an interruption; prints the counts")
  .argument("<file>", "one record per line (SPEC §7); gzip when named .gz or when its content is")
  .option("--workspace <id>", "workspace id")
  .option("--restart", "ignore the checkpoint an interrupted run left and send the whole file")
  .option("--batch-records <n>", "records per batch (default 5000)")
  .action(ingestFileAction);

const models = program.command("models").description("Model names");
models
  .command("renormalize")
  .description("Recompute normalized model names from the raw ones with the current rules (MODEL_NAMES_FILE) and rebuild the rollups")
  .option("--workspace <id>", "workspace id")
  .action(action("models renormalize"));

program
  .command("demo")
  .alias("seed")
  .description("Create a demo workspace with ~90 days of generated usage; prints { workspaceId, apiKey }")
  .option("--seed <n>", "random seed (same seed, same data)")
  .option("--days <n>", "days of usage, ending today (default 90)")
  .action(action("demo", { progress: "Generating demo usage" }));

const reports = program.command("reports").description("Scheduled report subscriptions");
reports
  .command("create")
  .description("Create a weekly or monthly report; prints { subscriptionId }")
  .option("--workspace <id>", "workspace id")
  .option("--name <name>", "report name (names the zip)")
  .option("--weekly <day>", "weekday: sunday … saturday (or 0 … 6)")
  .option("--monthly <day>", "day of month 1 … 31 (the last day of shorter months)")
  .option("--at <HH:MM>", "time of day in --tz")
  .option("--tz <zone>", "IANA time zone of the schedule and periods")
  .option("--types <list>", "data types, each optionally :group_by, e.g. users,agents:model,models:source")
  .option("--email <addresses>", "comma-separated recipients")
  .option("--slack <channel>", "Slack channel id")
  .action(action("reports create"));
reports
  .command("list")
  .description("List a workspace's reports with their next run times")
  .option("--workspace <id>", "workspace id")
  .action(action("reports list"));
reports
  .command("history")
  .description("A report's deliveries, newest first, with every attempt")
  .option("--subscription <id>", "subscription id")
  .action(action("reports history"));
reports
  .command("run-due")
  .description("Deliver every report due at that instant, then exit; prints counts")
  .option("--now <iso>", "the instant to act as now (default: the clock)")
  .action(action("reports run-due"));

try {
  await program.parseAsync(process.argv);
  process.exit(0);
} catch (error) {
  // AppError messages are written for the user; show them exactly.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
