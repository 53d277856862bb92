import { z } from "zod";
import { resolvePeriod } from "../../periods/period.ts";
import { timeZone } from "../../periods/time-zone.ts";
import { bucketWidth } from "../../usage/timeseries/buckets.ts";
import { timeSeriesGroupBy } from "../../usage/timeseries/group-keys.ts";
import { loadWorkspace, relabel, workspaceFlag } from "./args.ts";
import { defineCommand } from "./command.ts";
import { flag, oneOf, text } from "./flags.ts";

const LABELS = { from: "--from", to: "--to", bucket_width: "--bucket-width", group_by: "--group-by" };

const flags = {
  workspace: workspaceFlag,
  from: flag({ value: "<date>", help: "first day (YYYY-MM-DD) or instant" }, text),
  to: flag({ value: "<date>", help: "last day (YYYY-MM-DD, included) or instant" }, text),
  tz: flag({ value: "<zone>", help: "IANA time zone of the range and its buckets (default: the workspace's)" }, timeZone.optional()),
  bucketWidth: flag({ value: "<width>", help: "1h, 1d, 1w or 1mo" }, bucketWidth),
  groupBy: flag(
    { value: "<keys>", help: "comma-separated: model, provider, source, deployment, user, department, agent, project, api_key" },
    z.preprocess((list) => (typeof list === "string" ? list.split(",").map((key) => key.trim()) : list), timeSeriesGroupBy),
  ),
  format: flag(
    { value: "<format>", help: "json (default: the REST answer's data) or csv (the export's rows)" },
    oneOf(["json", "csv"]).optional(),
  ),
};

/** What `timeseries --format csv` returns: the CLI prints `csv` as it is (see src/cli/main.ts). */
export const TimeSeriesCsvOutput = z.object({ csv: z.string() });

/**
 * `timeseries --workspace ID --from D --to D --bucket-width W [--group-by a,b]
 * [--tz TZ] [--format json|csv]` → the series on standard output.
 */
export const timeSeriesCommand = defineCommand({
  name: "timeseries",
  description: "Usage per hour, day, week or month; prints JSON (or CSV with --format csv)",
  flags,
  async run(app, input) {
    const workspace = await loadWorkspace(app, input.workspace);
    const timezone = input.tz ?? workspace.timezone;
    try {
      const period = resolvePeriod({ date: input.from, timezone }, { date: input.to, timezone }, app.now());
      // Loaded on use: other commands need neither the query nor the CSV writer.
      const { readTimeSeries } = await import("../../usage/timeseries/read-timeseries.ts");
      const shape = await import("../../usage/timeseries/shape.ts");
      const request = { workspace, period, bucketWidth: input.bucketWidth, groupBy: input.groupBy };
      const series = await readTimeSeries(app, request).series();
      if (input.format !== "csv") return shape.timeSeriesJson(series, input.bucketWidth, period);
      const { csvText } = await import("../../exports/csv.ts");
      const rows = series.buckets.flatMap((b) =>
        b.results.map((r) => shape.timeSeriesCsvRow(series, { ...r, bucketStart: b.start, bucketEnd: b.end })),
      );
      return { csv: csvText(shape.timeSeriesColumns(series.groupBy, series.byok), rows) };
    } catch (error) {
      throw relabel(error, LABELS);
    }
  },
});
