import type { ReportSummary } from "../src/reports/build-report-zip.ts";

export interface ReportSlackInput {
  reportName: string;
  summary: ReportSummary;
  files: { name: string; rowCount: number }[];
}

const count = new Intl.NumberFormat("en-US");
const plural = (n: number, one: string, many: string) => `${count.format(n)} ${n === 1 ? one : many}`;

/**
 * Slack reads `&`, `<` and `>` as control characters (links, mentions such as
 * `<!channel>`), so every interpolated value has exactly these three escaped,
 * as Slack's formatting guide requires; nothing else is.
 */
export function escapeSlack(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The message posted with a scheduled report's zip (Slack mrkdwn). Names are
 * kept outside `*bold*` markers so a `*` or `_` in a name cannot unbalance them.
 */
export function renderReportSlackMessage(input: ReportSlackInput): string {
  const { summary } = input;
  const s = escapeSlack;
  const p = summary.period;
  const lines = [`*Usage report:* ${s(input.reportName)}`, `*Period:* ${s(p.startDate)} to ${s(p.endDate)} (${s(p.timezone)})`];
  if (summary.noData) {
    lines.push("No usage was recorded in this period, so the zip holds only its manifest.");
  } else {
    const t = summary.totals;
    lines.push(
      `*Totals:* ${plural(t.messages, "message", "messages")} · ${plural(t.activeUsers, "active user", "active users")} · ${plural(t.apiRequests, "API request", "API requests")}`,
    );
    const top = (title: string, entries: string[]) =>
      lines.push(`*${title}:* ${entries.length === 0 ? "none" : entries.map((x, i) => `${i + 1}. ${x}`).join("  ")}`);
    top("Top users", summary.topUsers.map((u) => `${s(u.label)} (${count.format(u.messages)})`));
    top("Top agents", summary.topAgents.map((a) => `${s(a.label)} (${count.format(a.messages)})`));
    top("Top models", summary.topModels.map((m) => `${s(m.label)} (${count.format(m.requests)})`));
  }
  lines.push("*Files in the zip:*");
  for (const f of input.files) lines.push(`• ${s(f.name)}: ${plural(f.rowCount, "row", "rows")}`);
  lines.push("• manifest.json: period, privacy mode and a SHA-256 checksum per file");
  return lines.join("\n");
}
