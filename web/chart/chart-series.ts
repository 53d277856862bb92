import { keyOf, type PageGroupKey, type TimeSeries } from "../api/time-series.ts";

// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies; grey is "Other".
// Their number is the chart's N: past 7 stacked colours readers can no longer tell the series apart.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#A89200"];
const OTHER_COLOR = "#8C8C8C";

/** What the chart counts: messages, except by API key, whose traffic is API requests (never messages). */
export type Metric = "messages" | "requests";
export const metricOf = (dimension: PageGroupKey | null): Metric => (dimension === "API_KEY" ? "requests" : "messages");

/** Each dimension's words: the picker's label, in a sentence, the plural for "Other (n …)", and the label of the null key. */
export const DIMENSIONS: Record<PageGroupKey, { label: string; noun: string; plural: string; none: string }> = {
  MODEL: { label: "Model", noun: "model", plural: "models", none: "Unknown model" },
  DEPARTMENT: { label: "Department", noun: "department", plural: "departments", none: "No department" },
  AGENT: { label: "Agent", noun: "agent", plural: "agents", none: "No agent" },
  PROJECT: { label: "Project", noun: "project", plural: "projects", none: "No project" },
  API_KEY: { label: "API key", noun: "API key", plural: "API keys", none: "Messages (no API key)" },
  SOURCE: { label: "Source", noun: "source", plural: "sources", none: "Unknown source" },
};

export interface ChartSeries {
  label: string;
  total: number;
  values: number[];
  color: string;
}

/**
 * One series per group of the time series, busiest first (then by key, as the
 * API orders results); the 7 busiest get a colour, the rest are summed into
 * "Other". Groups without any of the metric are left out. `names` turns ids into
 * the names the page already has (top tables); other ids are shown as they are.
 */
export function chartSeries(
  series: TimeSeries,
  dimension: PageGroupKey | null,
  names: ReadonlyMap<string, string> = new Map(),
): ChartSeries[] {
  const metric = metricOf(dimension);
  const groups = new Map<string | null, number[]>();
  series.buckets.forEach((bucket, i) => {
    for (const r of bucket.results) {
      const key = dimension ? keyOf(r, dimension) : "";
      const values = groups.get(key) ?? series.buckets.map(() => 0);
      values[i]! += r[metric];
      groups.set(key, values);
    }
  });
  const label = (key: string | null) =>
    dimension === null ? "Messages" : key === null ? DIMENSIONS[dimension].none : (names.get(key) ?? key);
  const all = [...groups]
    .map(([key, values]) => ({ key: key ?? "", label: label(key), values, total: values.reduce((a, b) => a + b, 0) }))
    .filter((g) => g.total > 0)
    .sort((a, b) => b.total - a.total || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const top = all.slice(0, PALETTE.length).map(({ label, total, values }, i) => ({ label, total, values, color: PALETTE[i]! }));
  const rest = all.slice(PALETTE.length);
  if (rest.length === 0 || dimension === null) return top;
  const values = series.buckets.map((_, b) => rest.reduce((sum, g) => sum + (g.values[b] ?? 0), 0));
  const other = `Other (${rest.length} ${DIMENSIONS[dimension].plural})`;
  return [...top, { label: other, total: values.reduce((a, b) => a + b, 0), values, color: OTHER_COLOR }];
}
