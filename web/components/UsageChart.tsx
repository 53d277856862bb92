import { useMemo, useState } from "preact/hooks";
import { PAGE_GROUP_KEYS, type BucketWidth, type PageGroupKey, type TimeSeries } from "../api/time-series.ts";
import { chartSeries, DIMENSIONS, metricOf } from "../chart/chart-series.ts";
import { MAX_HOURLY_RANGE_DAYS } from "../chart/hourly-limit.ts";
import { formatBucket, formatInt } from "../format.ts";
import { StackedBars } from "./StackedBars.tsx";

/** What the chart shows: split by one dimension (or none), per bucket width. */
export interface ChartView {
  dimension: PageGroupKey | null;
  width: BucketWidth;
}
/** Today's look: messages per day by model. */
export const DEFAULT_VIEW: ChartView = { dimension: "MODEL", width: "DAY" };

const WIDTHS: { value: BucketWidth; label: string; unit: string }[] = [
  { value: "HOUR", label: "Hour", unit: "hour" },
  { value: "DAY", label: "Day", unit: "day" },
  { value: "WEEK", label: "Week", unit: "week" },
  { value: "MONTH", label: "Month", unit: "month" },
];

/** The chart card: its two pickers, legend, stacked bars, a readout and the numbers as a table. */
export function UsageChart({
  series,
  view,
  onView,
  hourly,
  names,
  error,
}: {
  /** The time series of `view` (its width may differ: hours fall back to days when the range is too long). */
  series: TimeSeries | null;
  view: ChartView;
  onView: (view: ChartView) => void;
  /** Whether the range allows hourly buckets. */
  hourly: boolean;
  names: ReadonlyMap<string, string>;
  error: string | null;
}) {
  const [hover, setHover] = useState<number | null>(null);
  // Read from the series itself: while another view loads, the shown one stays consistent.
  const dimension = PAGE_GROUP_KEYS.find((k) => k === series?.groupBy[0]) ?? null;
  const shown = useMemo(() => (series ? chartSeries(series, dimension, names) : []), [series, dimension, names]);
  const starts = useMemo(() => series?.buckets.map((b) => Date.parse(b.start) / 1000) ?? [], [series]);
  const bucketSeconds = useMemo(
    () => Math.max(3600, ...(series?.buckets.map((b) => (Date.parse(b.end) - Date.parse(b.start)) / 1000) ?? [])),
    [series],
  );
  const width = series?.bucketWidth ?? view.width;
  const unit = WIDTHS.find((w) => w.value === width)?.unit ?? "day";
  const what = metricOf(dimension) === "requests" ? "Requests" : "Messages";
  const title = `${what} per ${unit}${dimension ? ` by ${DIMENSIONS[dimension].noun}` : ""}`;
  const timeZone = series?.period.timezone ?? "UTC";
  const at = (i: number) => (series ? formatBucket(series.buckets[i]!.start, width, timeZone) : "");

  return (
    <section class="card chart" aria-labelledby="chart-title" data-dimension={dimension ?? ""} data-width={width}>
      <div class="chart-head">
        <h2 id="chart-title">{title}</h2>
        <div class="chart-controls">
          <span class="control">
            <label for="chart-dimension">Split by</label>
            <select
              id="chart-dimension"
              value={view.dimension ?? ""}
              onChange={(e) => onView({ ...view, dimension: PAGE_GROUP_KEYS.find((k) => k === e.currentTarget.value) ?? null })}
            >
              <option value="">Nothing</option>
              {PAGE_GROUP_KEYS.map((k) => (
                <option key={k} value={k}>
                  {DIMENSIONS[k].label}
                </option>
              ))}
            </select>
          </span>
          <span class="control">
            <label for="chart-width">Per</label>
            <select
              id="chart-width"
              value={width}
              aria-describedby={hourly ? undefined : "chart-width-hint"}
              onChange={(e) => onView({ ...view, width: WIDTHS.find((w) => w.value === e.currentTarget.value)?.value ?? "DAY" })}
            >
              {WIDTHS.map((w) => (
                <option key={w.value} value={w.value} disabled={w.value === "HOUR" && !hourly}>
                  {w.label}
                </option>
              ))}
            </select>
          </span>
          {!hourly && (
            <span class="hint" id="chart-width-hint">
              Hours: ranges up to {MAX_HOURLY_RANGE_DAYS} days
            </span>
          )}
        </div>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!series ? null : shown.length === 0 ? (
        <p class="empty">No {what.toLowerCase()} in this period.</p>
      ) : (
        <>
          <ul class="legend" aria-label={dimension ? DIMENSIONS[dimension].plural : "Series"}>
            {shown.map((s) => (
              <li key={s.label}>
                <span class="swatch" style={{ background: s.color }} aria-hidden="true" />
                {s.label} <span class="subtle">{formatInt(s.total)}</span>
              </li>
            ))}
          </ul>
          <StackedBars
            shown={shown}
            starts={starts}
            bucketSeconds={bucketSeconds}
            timeZone={timeZone}
            label={`Stacked bars of ${what.toLowerCase()} per ${unit}${dimension ? ` by ${DIMENSIONS[dimension].noun}` : ""}; the table below lists the numbers`}
            onHover={setHover}
          />
          <p class="readout subtle">
            {hover !== null && series.buckets[hover]
              ? `${at(hover)}: ${shown.map((s) => `${s.label} ${formatInt(s.values[hover] ?? 0)}`).join(" · ")}`
              : `Point at ${unit === "hour" ? "an" : "a"} ${unit} for its numbers.`}
          </p>
          <details>
            <summary>{title} as a table</summary>
            {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable so keyboard users can scroll it (WCAG 2.1.1) */}
            {/* biome-ignore lint/a11y/useSemanticElements: role="region" names the scroll container; a <section> would add a landmark per table */}
            <div class="table-scroll" tabIndex={0} role="region" aria-label={title} data-table="chart">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{WIDTHS.find((w) => w.value === width)?.label}</th>
                    {shown.map((s) => (
                      <th scope="col" key={s.label}>
                        {s.label}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {series.buckets.map((b, i) => (
                    <tr key={b.start}>
                      <th scope="row">
                        <time dateTime={b.start}>{at(i)}</time>
                      </th>
                      {shown.map((s) => (
                        <td key={s.label}>{formatInt(s.values[i] ?? 0)}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
