import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import type { AppContext } from "../../runtime/context.ts";
import type { FileStore } from "../../storage/file-store.ts";
import type { Workspace } from "../../generated/prisma/client.ts";
import { resolvePeriod, type Period } from "../../periods/period.ts";
import { presetRange, type Preset } from "../../periods/presets.ts";
import { timeZone } from "../../periods/time-zone.ts";
import { EXPORT_FORMATS } from "../../exports/export-files.ts";
import { canonicalDataType, checkGroupBy, dataTypeName, groupByProblem } from "../../usage/shared/data-types.ts";
import { loadWorkspace, relabel, workspaceFlag } from "./args.ts";
import { defineCommand } from "./command.ts";
import { flag, flagOf, given, on, oneOf, text } from "./flags.ts";

/** The period switches and the preset each stands for. */
const PRESET_FLAGS = {
  lastMonth: "last_month",
  thisMonth: "this_month",
  lastWeek: "last_week",
  thisWeek: "this_week",
} as const satisfies Record<string, Preset>;
const PRESET_KEYS = ["lastMonth", "thisMonth", "lastWeek", "thisWeek"] as const satisfies readonly (keyof typeof PRESET_FLAGS)[];
const PERIOD_CHOICE = "choose one period: --last-month, --this-month, --last-week, --this-week, or --from D --to D";
const LABELS = { group_by: "--group-by", from: "--from", to: "--to" };

const flags = {
  dataType: flag(
    { value: "<dataType>", help: "users, agents (or assistants), api_keys, projects or models", positional: true },
    dataTypeName,
  ),
  workspace: workspaceFlag,
  lastMonth: flag({ help: "the previous calendar month" }, on),
  thisMonth: flag({ help: "the current calendar month" }, on),
  lastWeek: flag({ help: "the previous week" }, on),
  thisWeek: flag({ help: "the current week" }, on),
  from: flag({ value: "<date>", help: "first day (YYYY-MM-DD), with --to" }, text.optional()),
  to: flag({ value: "<date>", help: "last day (YYYY-MM-DD), included" }, text.optional()),
  tz: flag({ value: "<zone>", help: "IANA time zone of the period (default: the workspace's)" }, timeZone.optional()),
  groupBy: flag({ value: "<group>", help: "subgroup rows: model, source or deployment" }, text.optional()),
  format: flag(
    { value: "<format>", help: "the file's format: csv (default) or parquet (typed columns)" },
    oneOf(EXPORT_FORMATS).optional(),
  ),
  // Used by the CLI once the export is written (`saveExportAs`), wherever it ran.
  output: flag({ value: "<file>", help: "also copy the export file to this file", short: "-o" }, text.optional()),
  async: flag({ help: "queue an export job and print its id (the service's workers run it)" }, on),
  wait: flag({ help: "with --async: run the job here if no worker has, wait for it, and print its outcome" }, on),
};

/**
 * `export <dataType> --workspace ID (--last-month|--this-month|--last-week|
 * --this-week|--from D --to D) [--tz TZ] [--group-by G] [--format csv|parquet] [-o FILE]` → the export's JSON;
 * with `--async [--wait]` a job's id (and, waiting, its outcome).
 */
export const exportCommand = defineCommand({
  name: "export",
  description: "Export a data type as CSV (or Parquet); prints the export's JSON",
  flags,
  rules(args) {
    const presets = PRESET_KEYS.filter((key) => given(args, key)).length;
    const custom = given(args, "from") || given(args, "to");
    if (presets + (custom ? 1 : 0) !== 1) return [PERIOD_CHOICE];
    if (custom && !(given(args, "from") && given(args, "to"))) return ["--from and --to must be given together"];
    if (given(args, "wait") && !given(args, "async")) return ["--wait needs --async"];
    if (given(args, "async") && given(args, "output")) return ["-o needs a synchronous export: download the job's file from its result"];
    return [];
  },
  refine({ dataType, groupBy }) {
    // The workspace's BYOK setting is checked in `run`; here only the name of the grouping.
    const problem = groupBy === undefined ? null : groupByProblem(canonicalDataType(dataType), groupBy, { byok: true });
    return problem === null ? [] : [`${flagOf("groupBy")} ${problem}`];
  },
  async run(app, input, onProgress) {
    const workspace = await loadWorkspace(app, input.workspace);
    try {
      checkGroupBy(canonicalDataType(input.dataType), input.groupBy, workspace);
      const period = choosePeriod(app, workspace, input);
      // Loaded on use: the query and CSV modules are not needed by other commands.
      const { createExport } = await import("../../exports/create-export.ts");
      const { dataType, groupBy, format } = input;
      if (input.async) {
        const { exportJobFromCli } = await import("./export-job.ts");
        const request = { kind: "file", dataType, period, groupBy: groupBy ?? null, format: format ?? "csv" } as const;
        return await exportJobFromCli(app, workspace, request, input.wait);
      }
      return await createExport(app, { workspaceId: workspace.id, dataType, period, groupBy, format }, onProgress);
    } catch (error) {
      throw relabel(error, LABELS);
    }
  },
});

/** A preset in the workspace's zone and week (or `--tz`), or the custom `--from`/`--to` range. */
function choosePeriod(
  app: AppContext,
  workspace: Workspace,
  input: { tz?: string; from?: string; to?: string } & Record<(typeof PRESET_KEYS)[number], boolean>,
): Period {
  const timezone = input.tz ?? workspace.timezone;
  const now = app.now();
  const preset = PRESET_KEYS.find((key) => input[key]);
  const range = preset
    ? presetRange(PRESET_FLAGS[preset], { timezone, firstWeekday: workspace.firstWeekday, now })
    : { from: { date: input.from ?? "", timezone }, to: { date: input.to ?? "", timezone } };
  return resolvePeriod(range.from, range.to, now);
}

/** The export's JSON as the CLI gets it back (from this process or a server): it names the file written. */
const exportedFile = z.looseObject({ filePath: z.string() });

/**
 * `-o FILE`: a copy of the file where the user asked, read from the file store
 * (the CLI's own: configure EXPORT_STORAGE_DIR as for the service); the JSON then names it.
 */
export async function saveExportAs(files: FileStore, result: unknown, output: string) {
  const exported = exportedFile.parse(result);
  const opened = await files.open(exported.filePath);
  if (!opened)
    throw new Error(
      `the export file ${exported.filePath} is not in the export store at ${files.locate(exported.filePath)}: is EXPORT_STORAGE_DIR the service's?`,
    );
  await pipeline(opened.stream, createWriteStream(output));
  return { ...exported, output };
}
