import { copyFile } from "node:fs/promises";
import type { AppContext } from "../../context.ts";
import type { ExportResult } from "../../exports/create-export.ts";
import type { Workspace } from "../../generated/prisma/client.ts";
import { isValidTimezone, resolvePeriod, type Period } from "../../periods/period.ts";
import { presetRange, type Preset } from "../../periods/presets.ts";
import { canonicalDataType, checkGroupBy, parseDataType, type DataTypeName } from "../../usage/shared/data-types.ts";
import { ArgReader, loadWorkspace, relabel } from "./args.ts";
import { defineCommand } from "./command.ts";

/** The period flags and the preset each stands for. */
const PRESET_FLAGS: Record<string, Preset> = {
  lastMonth: "last_month",
  thisMonth: "this_month",
  lastWeek: "last_week",
  thisWeek: "this_week",
};
const PERIOD_CHOICE = "choose one period: --last-month, --this-month, --last-week, --this-week, or --from D --to D";
const LABELS = { group_by: "--group-by", from: "--from", to: "--to" };

interface ExportInput {
  dataType: DataTypeName;
  workspaceId: string;
  tz: string | undefined;
  groupBy: string | undefined;
  preset: Preset | undefined;
  from: string | undefined;
  to: string | undefined;
}

/**
 * `export <dataType> --workspace ID (--last-month|--this-month|--last-week|
 * --this-week|--from D --to D) [--tz TZ] [--group-by G]` → the export's JSON.
 * (`-o FILE` is the CLI's business: see `saveExportAs`.)
 */
export const exportCommand = defineCommand({
  name: "export",
  parse(args): ExportInput {
    const a = new ArgReader(args);
    const dataTypeArg = a.string("dataType", { required: true });
    const workspaceId = a.string("workspace", { required: true });
    const tz = a.string("tz");
    const groupBy = a.string("groupBy");
    if (tz !== undefined && !isValidTimezone(tz)) a.problem(`--tz "${tz}" is not a known IANA time zone`);
    const presets = Object.keys(PRESET_FLAGS).filter((key) => a.flag(key));
    const from = a.string("from");
    const to = a.string("to");
    const custom = from !== undefined || to !== undefined;
    if (presets.length + (custom ? 1 : 0) !== 1) a.problem(PERIOD_CHOICE);
    else if (custom && (from === undefined || to === undefined)) a.problem("--from and --to must be given together");
    a.check();
    const dataType = parseDataType(dataTypeArg);
    try {
      // The workspace's BYOK setting is checked in `run`; here only the name of the grouping.
      checkGroupBy(canonicalDataType(dataType), groupBy, { byok: true });
    } catch (error) {
      throw relabel(error, LABELS);
    }
    const preset = presets[0] === undefined ? undefined : PRESET_FLAGS[presets[0]];
    return { dataType, workspaceId, tz, groupBy, preset, from, to };
  },
  async run(app, input, onProgress) {
    const workspace = await loadWorkspace(app, input.workspaceId);
    try {
      checkGroupBy(canonicalDataType(input.dataType), input.groupBy, workspace);
      const period = choosePeriod(app, workspace, input);
      // Loaded on use: the query and CSV modules are not needed by other commands.
      const { createExport } = await import("../../exports/create-export.ts");
      const { workspaceId, dataType, groupBy } = input;
      return await createExport(app, { workspaceId, dataType, period, groupBy }, onProgress);
    } catch (error) {
      throw relabel(error, LABELS);
    }
  },
});

/** A preset in the workspace's zone and week (or `--tz`), or the custom `--from`/`--to` range. */
function choosePeriod(app: AppContext, workspace: Workspace, input: ExportInput): Period {
  const timezone = input.tz ?? workspace.timezone;
  const now = app.now();
  const range = input.preset
    ? presetRange(input.preset, { timezone, firstWeekday: workspace.firstWeekday, now })
    : { from: { date: input.from ?? "", timezone }, to: { date: input.to ?? "", timezone } };
  return resolvePeriod(range.from, range.to, now);
}

/** `-o FILE`: a copy of the CSV where the user asked; the JSON then names it. */
export async function saveExportAs(result: ExportResult, output: string): Promise<ExportResult & { output: string }> {
  await copyFile(result.absolutePath, output);
  return { ...result, output };
}
