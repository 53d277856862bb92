import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { loadOverview, loadWorkspace, type Overview, type RangeChoice, type Workspace } from "../api/analytics.ts";
import { messageOf } from "../api/graphql.ts";
import { loadTimeSeries, rangeDates, type TimeSeries } from "../api/time-series.ts";
import { hourlyAllowed } from "../chart/hourly-limit.ts";
import { formatRange } from "../format.ts";
import { ExportDialog } from "./ExportDialog.tsx";
import { Headline } from "./Headline.tsx";
import { ScreenHead } from "./ScreenHead.tsx";
import { TopTables } from "./TopTables.tsx";
import { DEFAULT_VIEW, UsageChart, type ChartView } from "./UsageChart.tsx";

/** Ids the page already knows names for (the top tables): the chart's legend shows those names. */
function knownNames(o: Overview | null): Map<string, string> {
  const names = new Map<string, string>();
  for (const a of o?.agents ?? []) if (a.assistantId && a.assistantName) names.set(a.assistantId, a.assistantName);
  for (const p of o?.projects ?? []) if (p.projectId && p.projectName) names.set(p.projectId, p.projectName);
  for (const k of o?.apiKeys ?? []) if (k.apiKeyId && k.apiKeyName) names.set(k.apiKeyId, k.apiKeyName);
  return names;
}

/** The workspace analytics page: range, headline numbers, chart, top tables, and the Export button. */
export function AnalyticsPage({ range, onRange }: { range: RangeChoice; onRange: (range: RangeChoice) => void }) {
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  const [overview, setOverview] = useState<Overview | null>(null);
  const [view, setView] = useState<ChartView>(DEFAULT_VIEW);
  const [series, setSeries] = useState<TimeSeries | null>(null);
  const [chartError, setChartError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  // The range the shown overview is of: a picker change reloads the series alone.
  const overviewOf = useRef<RangeChoice | null>(null);
  // Each opening is numbered: a dialog's `close` event is a queued task, and a quick
  // reopen (Enter right after Escape) can run before it; the stale event must not close
  // the new dialog.
  const [exporting, setExporting] = useState<number | null>(null);
  const openExport = useRef(0);
  const exportButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    loadWorkspace().then(setWorkspace, (e: Error) => setError(e.message));
  }, []);

  const dates = workspace ? rangeDates(range, workspace) : null;
  const hourly = workspace && dates ? hourlyAllowed(dates, workspace.timezone) : false;
  // Hours asked for a range too long for them fall back to days (the picker says why).
  const width = view.width === "HOUR" && !hourly ? "DAY" : view.width;

  // The overview and the chart's series arrive together, so the page never shows one range's numbers beside another's chart.
  useEffect(() => {
    if (!workspace || !dates) return;
    let current = true;
    const overviewNeeded = overviewOf.current !== range;
    setError(null);
    setLoading(true);
    const nextOverview = overviewNeeded ? loadOverview(range, workspace.timezone) : Promise.resolve(null);
    const nextSeries = loadTimeSeries(dates, workspace.timezone, width, view.dimension).then(
      (s) => ({ series: s, error: null }),
      (e: unknown) => ({ series: null, error: messageOf(e) }),
    );
    Promise.all([nextOverview, nextSeries])
      .then(
        ([o, s]) => {
          if (!current) return;
          if (o) {
            setOverview(o);
            overviewOf.current = range;
          }
          setSeries(s.series);
          setChartError(s.error);
        },
        (e: Error) => current && setError(e.message),
      )
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [workspace, range, width, view.dimension]);

  const names = useMemo(() => knownNames(overview), [overview]);

  const period = overview?.summary.period;
  return (
    <>
      <ScreenHead
        title={`${workspace?.name ?? "Workspace"} analytics`}
        subtitle={
          period && (
            <p class="subtle" id="period">
              {formatRange(period.startDate, period.endDate)} · {period.timezone}
              {workspace && !workspace.userLevelData && " · user-level data off: names and emails hidden"}
            </p>
          )
        }
        action={
          <button type="button" ref={exportButton} onClick={() => setExporting(++openExport.current)} disabled={!workspace}>
            Export
          </button>
        }
        workspace={workspace}
        range={range}
        onRange={onRange}
        error={error}
      />
      {overview && workspace ? (
        <div class="overview" aria-busy={loading}>
          <Headline summary={overview.summary} byok={workspace.byok} />
          <UsageChart series={series} view={view} onView={setView} hourly={hourly} names={names} error={chartError} />
          <TopTables overview={overview} />
        </div>
      ) : (
        !error && <p role="status">Loading…</p>
      )}
      {workspace && exporting !== null && (
        <ExportDialog
          key={exporting}
          workspace={workspace}
          onClose={() => {
            if (openExport.current !== exporting) return;
            setExporting(null);
            exportButton.current?.focus();
          }}
        />
      )}
    </>
  );
}
