import { resolve } from "node:path";
import { Command } from "commander";
import { usePrivateUmask } from "../config/private-files.ts";
import type { CommandArgs } from "./commands/args.ts";
import type { CliCommand } from "./commands/command.ts";
import { saveExportAs } from "./commands/export.ts";
import { TimeSeriesCsvOutput } from "./commands/timeseries.ts";
import { type FlagShape, flagOf, helpOf } from "./commands/flags.ts";
import { COMMANDS } from "./commands/index.ts";
import { cliEnv, execute } from "./execute.ts";
import { INGEST_FILE_FLAGS, ingestFile, parseIngestFileArgs } from "./ingest-file.ts";
import { progressBar } from "./progress.ts";
import { openFileStore } from "../storage/open-file-store.ts";
import { openRunner } from "./runner.ts";

// Whatever the CLI writes into DATA_DIR (the embedded database, exports) is the service user's alone.
usePrivateUmask();

/**
 * `usage-exports <command>`: commander's options and arguments are made from
 * each registered command's flag declarations (src/cli/commands/flags.ts), and
 * what commander parsed goes, as a plain object, back through the same
 * declarations, which check it and name each bad flag. The JSON result is the
 * last line of stdout; errors go to stderr, exit 1.
 */
const program = new Command("usage-exports")
  .description("Usage Exports: workspaces, API keys, CSV exports and demo data")
  .showSuggestionAfterError();

/** The groups of two-word commands (`keys create`), with their help. */
const GROUPS: Record<string, string> = {
  workspace: "Manage workspaces",
  keys: "Manage the API keys of a workspace",
  reports: "Scheduled report subscriptions",
  models: "Model names",
};

interface CliExtras {
  /** Label of the progress bar. */
  progress?: string;
  /** Work done here, in the CLI process, after the command (e.g. copying a file). */
  finish?: (result: unknown, args: CommandArgs) => Promise<unknown>;
  /** The text to print instead of the result's JSON (null: print the JSON). */
  print?: (result: unknown) => string | null;
}

const EXTRAS: Record<string, CliExtras> = {
  export: {
    progress: "Exporting rows",
    finish: async (result, args) =>
      typeof args.output === "string" ? saveExportAs(await openFileStore(cliEnv()), result, resolve(args.output)) : result,
  },
  demo: { progress: "Generating demo usage" },
  // `--format csv` prints the CSV itself rather than JSON.
  timeseries: { print: (result) => TimeSeriesCsvOutput.safeParse(result).data?.csv ?? null },
};

/** Declares the flags with help on commander: options, and arguments in order; returns the arguments' names. */
function declareFlags(command: Command, flags: FlagShape): string[] {
  const positional: string[] = [];
  for (const [key, schema] of Object.entries(flags)) {
    const help = helpOf(schema);
    if (!help) continue;
    if (help.positional) {
      command.argument(`<${key}>`, help.help);
      positional.push(key);
      continue;
    }
    const long = help.negated ? `--no-${flagOf(key).slice(2)}` : flagOf(key);
    command.option(`${help.short ? `${help.short}, ` : ""}${long}${help.value ? ` ${help.value}` : ""}`, help.help);
  }
  return positional;
}

/** What commander parsed for a command, as the registry takes it. */
function argsOf(command: Command, positional: string[]): CommandArgs {
  const args: CommandArgs = { ...command.opts() };
  positional.forEach((key, i) => {
    args[key] = command.processedArgs[i];
  });
  return args;
}

const groups = new Map<string, Command>();

/** `keys create` → `create` under the `keys` group; `export` → a top-level command. */
function commandNamed(name: string): Command {
  const [first = name, sub] = name.split(" ");
  if (sub === undefined) return program.command(first);
  let group = groups.get(first);
  if (!group) {
    group = program.command(first).description(GROUPS[first] ?? "");
    groups.set(first, group);
  }
  return group.command(sub);
}

/** A registered command on the command line: runs it where the database is and prints its JSON result. */
function addCommand(spec: CliCommand) {
  const command = commandNamed(spec.name).description(spec.description);
  for (const alias of spec.aliases) command.alias(alias);
  const positional = declareFlags(command, spec.flags);
  const extras = EXTRAS[spec.name] ?? {};
  command.action(async () => {
    const args = argsOf(command, positional);
    // Flags first: a typo fails at once, without waiting for the database.
    spec.check(args);
    const bar = progressBar(extras.progress ?? spec.name);
    let result: unknown;
    try {
      result = await execute(spec.name, args, bar.onProgress);
    } finally {
      bar.stop();
    }
    if (extras.finish) result = await extras.finish(result, args);
    process.stdout.write(extras.print?.(result) ?? `${JSON.stringify(result)}\n`);
  });
}

/**
 * `ingest FILE`: not one registered command but many, one per batch, which
 * the CLI drives from here so that it reads the file and keeps the checkpoint
 * while the batches run wherever the database is.
 */
function addIngestFile() {
  const command = program
    .command("ingest")
    .description("Send an NDJSON file (plain or gzip) in batches; resumes after an interruption; prints the counts");
  const positional = declareFlags(command, INGEST_FILE_FLAGS);
  command.action(async () => {
    const input = parseIngestFileArgs(argsOf(command, positional));
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
  });
}

for (const spec of COMMANDS.values()) if (!spec.internal) addCommand(spec);
addIngestFile();

try {
  await program.parseAsync(process.argv);
  process.exit(0);
} catch (error) {
  // AppError messages are written for the user; show them exactly.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
