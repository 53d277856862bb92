import { useEffect, useMemo, useState } from "preact/hooks";
import { loadWorkspace, type RangeChoice, type Workspace } from "../api/analytics.ts";
import { loadTimeSeries, rangeDates, type TimeSeries } from "../api/time-series.ts";
import { ScreenHead } from "../components/ScreenHead.tsx";
import { downloadText } from "../download.ts";
import { formatInt, formatRange, formatUsd } from "../format.ts";
import { chargebackCsv, chargebackRows } from "./chargeback-rows.ts";

/**
 * Cost and messages by department for the page's range: one usageTimeSeries
 * grouped by department, monthly buckets (the fewest; a user's department is
 * the one in force at each month's end, or the range's end), summed here. The
 * table and the CSV are made from the same rows. The time series cannot group by
 * company, so there is no company view.
 */
export function ChargebackScreen({ range, onRange }: { range: RangeChoice; onRange: (range: RangeChoice) => void }) {
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  const [series, setSeries] = useState<TimeSeries | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    loadWorkspace().then(setWorkspace, (e: Error) => setError(e.message));
  }, []);

  useEffect(() => {
    if (!workspace) return;
    let current = true;
    setError(null);
    setLoading(true);
    loadTimeSeries(rangeDates(range, workspace), workspace.timezone, "MONTH", "DEPARTMENT")
      .then(
        (s) => current && setSeries(s),
        (e: Error) => current && setError(e.message),
      )
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [workspace, range]);

  const byok = workspace?.byok ?? false;
  const sums = useMemo(() => (series ? chargebackRows(series, byok) : null), [series, byok]);
  const period = series?.period;
  const download = () => {
    if (!sums || !period) return;
    const file = `chargeback-by-department-${period.startDate}-${period.endDate}.csv`;
    downloadText(chargebackCsv(sums.rows, period, byok), file, "text/csv;charset=utf-8");
  };

  return (
    <>
      <ScreenHead
        title="Chargeback"
        subtitle={
          <p class="subtle" id="chargeback-period">
            {period ? `${formatRange(period.startDate, period.endDate)} · ${period.timezone} · ` : ""}
            By the user's department at each month's end
          </p>
        }
        action={
          <button type="button" onClick={download} disabled={!sums || sums.rows.length === 0 || loading}>
            Download CSV
          </button>
        }
        workspace={workspace}
        range={range}
        onRange={onRange}
        error={error}
      />
      {workspace && !byok && (
        <p class="notice" id="no-cost">
          Cost is not shown: this workspace does not bring its own provider keys (BYOK), so its usage carries no provider cost.
        </p>
      )}
      {sums ? (
        <section class="card" aria-labelledby="chargeback-title" aria-busy={loading} data-table="chargeback">
          <h2 id="chargeback-title">By department</h2>
          {sums.rows.length === 0 ? (
            <p class="empty">No usage in this period.</p>
          ) : (
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable so keyboard users can scroll it (WCAG 2.1.1)
            // biome-ignore lint/a11y/useSemanticElements: role="region" names the scroll container; a <section> would add a landmark per table
            <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="chargeback-title">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Department</th>
                    <th scope="col" class="num">
                      Messages
                    </th>
                    {byok && (
                      <th scope="col" class="num">
                        Provider cost
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {sums.rows.map((r) => (
                    <tr key={r.department ?? ""} data-department={r.department ?? ""}>
                      <th scope="row">{r.department ?? <span class="subtle">No department (API requests, users without one)</span>}</th>
                      <td class="num" data-cell="messages">
                        <data value={String(r.messages)}>{formatInt(r.messages)}</data>
                      </td>
                      {byok && r.costUsd !== null && (
                        <td class="num" data-cell="costUsd">
                          <data value={r.costUsd}>{formatUsd(r.costUsd)}</data>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr data-total="">
                    <th scope="row">Total</th>
                    <td class="num" data-cell="messages">
                      <data value={String(sums.total.messages)}>{formatInt(sums.total.messages)}</data>
                    </td>
                    {byok && sums.total.costUsd !== null && (
                      <td class="num" data-cell="costUsd">
                        <data value={sums.total.costUsd}>{formatUsd(sums.total.costUsd)}</data>
                      </td>
                    )}
                  </tr>
                </tfoot>
              </table>
            </div>
          )}
        </section>
      ) : (
        !error && <p role="status">Loading…</p>
      )}
    </>
  );
}
