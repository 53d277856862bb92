import { useEffect, useRef, useState } from "preact/hooks";
import { loadOverview, loadWorkspace, type Overview, type RangeChoice, type Workspace } from "../api/analytics.ts";
import { formatRange } from "../format.ts";
import { ExportDialog } from "./ExportDialog.tsx";
import { Headline } from "./Headline.tsx";
import { MessagesChart } from "./MessagesChart.tsx";
import { RangePicker } from "./RangePicker.tsx";
import { TopTables } from "./TopTables.tsx";

/** The workspace analytics page: range, headline numbers, chart, top tables, and the Export button. */
export function AnalyticsPage() {
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  const [range, setRange] = useState<RangeChoice>({ preset: "LAST_MONTH" });
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  // Each opening is numbered: a dialog's `close` event is a queued task, and a quick
  // reopen (Enter right after Escape) can run before it; the stale event must not close
  // the new dialog.
  const [exporting, setExporting] = useState<number | null>(null);
  const openExport = useRef(0);
  const exportButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    loadWorkspace().then(setWorkspace, (e: Error) => setError(e.message));
  }, []);

  useEffect(() => {
    if (!workspace) return;
    let current = true;
    setError(null);
    setLoading(true);
    loadOverview(range, workspace.timezone)
      .then(
        (o) => current && setOverview(o),
        (e: Error) => current && setError(e.message),
      )
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [workspace, range]);

  const period = overview?.summary.period;
  return (
    <>
      <div class="page-head">
        <div>
          <h1>{workspace?.name ?? "Workspace"} analytics</h1>
          {period && (
            <p class="subtle" id="period">
              {formatRange(period.startDate, period.endDate)} · {period.timezone}
              {workspace && !workspace.userLevelData && " · user-level data off: names and emails hidden"}
            </p>
          )}
        </div>
        <button type="button" ref={exportButton} onClick={() => setExporting(++openExport.current)} disabled={!workspace}>
          Export
        </button>
      </div>
      {workspace && <RangePicker workspace={workspace} value={range} onChange={setRange} />}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {overview && workspace ? (
        <div class="overview" aria-busy={loading}>
          <Headline summary={overview.summary} byok={workspace.byok} />
          <MessagesChart series={overview.series} />
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
