import parsePrometheusTextFormat from "parse-prometheus-text-format";

/** A scrape: the families an independent Prometheus text parser read (it throws on malformed text), and the text itself. */
export interface Scrape {
  families: ReturnType<typeof parsePrometheusTextFormat>;
  text: string;
}

/** GET /metrics (with a bearer token when given), parsed. */
export async function scrape(url: string, token?: string): Promise<Scrape> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  const text = await res.text();
  return { families: parsePrometheusTextFormat(text), text };
}

/**
 * The value of one series: a counter's or gauge's value, a histogram's count;
 * 0 when the family has no series with exactly these labels (not yet observed).
 * Histogram series are read from their `_count` lines: the parser merges a
 * histogram's labelled series into one.
 */
export function sample(scraped: Scrape, name: string, labels: Record<string, string> = {}): number {
  const family = scraped.families.find((f) => f.name === name);
  if (!family) throw new Error(`no metric ${name}`);
  const same = (found: Record<string, string>) =>
    Object.keys(found).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => found[k] === v);
  if (family.type === "HISTOGRAM") {
    const series = seriesOf(scraped.text, `${name}_count`).find((s) => same(s.labels));
    return series?.value ?? 0;
  }
  return Number(family.metrics.find((m) => same(m.labels ?? {}))?.value ?? 0);
}

/** Every label value of every series: to check that no identifier of a user, key or workspace became a label. */
export function labelValues(scraped: Scrape): string[] {
  return scraped.text
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .flatMap((line) => [...line.matchAll(/="([^"]*)"/g)].map((m) => m[1]!));
}

/** The series of one sample name: `name{a="x",b="y"} value` lines. */
function seriesOf(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => {
      const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { labels, value: Number(line.slice(line.lastIndexOf(" ") + 1)) };
    });
}
