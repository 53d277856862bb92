import { copyFile } from "node:fs/promises";
import type { ExportResult } from "../../exports/create-export.ts";
import { isValidTimezone, resolvePeriod, type Period } from "../../periods/period.ts";
import { presetRange, type Preset } from "../../periods/presets.ts";
import { canonicalDataType, checkGroupBy, parseDataType } from "../../usage/data-types.ts";
import type { Workspace } from "../../generated/prisma/client.ts";
import type { AppContext } from "../../context.ts";
import { ArgReader, loadWorkspace, relabel } from "./args.ts";
import type { CliCommand } from "./command.ts";

/** The period flags and the preset each stands for. */
const PRESET_FLAGS: Record<string, Preset> = {
  lastMonth: "last_month",
  thisMonth: "this_month",
  lastWeek: "last_week",
  thisWeek: "this_week",
};
const PERIOD_CHOICE = "choose one period: --last-month, --this-month, --last-week, --this-week, or --from D --to D";

/**
 * `export <dataType> --workspace ID (--last-month|--this-month|--last-week|
 * --this-week|--from D --to D) [--tz TZ] [--group-by G]` → the export's JSON.
 * (`-o FILE` is the CLI's business: see `saveExportAs`.)
 */
export const exportCommand: CliCommand = {
  name: "export",
  async run(app, args, onProgress) {
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
    const workspace = await loadWorkspace(app, workspaceId);
    try {
      // Checked here too (createExport does) so a bad --group-by fails before any work.
      checkGroupBy(canonicalDataType(dataType), groupBy, workspace);
      const period = choosePeriod(app, workspace, tz, presets[0], from, to);
      // Loaded on use: the query and CSV modules are not needed by other commands.
      const { createExport } = await import("../../exports/create-export.ts");
      return await createExport(app, { workspaceId, dataType, period, groupBy }, onProgress);
    } catch (error) {
      throw relabel(error, { group_by: "--group-by", from: "--from", to: "--to" });
    }
  },
};

/** A preset in the workspace's zone and week (or `--tz`), or the custom `--from`/`--to` range. */
function choosePeriod(
  app: AppContext,
  workspace: Workspace,
  tz: string | undefined,
  presetKey: string | undefined,
  from: string | undefined,
  to: string | undefined,
): Period {
  const timezone = tz ?? workspace.timezone;
  const now = app.now();
  const preset = presetKey ? PRESET_FLAGS[presetKey] : undefined;
  const range = preset
    ? presetRange(preset, { timezone, firstWeekday: workspace.firstWeekday, now })
    : { from: { date: from ?? "", timezone }, to: { date: to ?? "", timezone } };
  return resolvePeriod(range.from, range.to, now);
}

/** `-o FILE`: a copy of the CSV where the user asked; the JSON then names it. */
export async function saveExportAs(result: ExportResult, output: string): Promise<ExportResult & { output: string }> {
  await copyFile(result.absolutePath, output);
  return { ...result, output };
}
