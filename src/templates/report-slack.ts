import { count, plural, tooLargeNote } from "./format.ts";
import type { ReportFileLine, ReportSummary } from "./report-summary.ts";

export interface ReportSlackInput {
  reportName: string;
  summary: ReportSummary;
  files: ReportFileLine[];
}

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
    top(
      "Top users",
      summary.topUsers.map((u) => `${s(u.label)} (${count(u.messages)})`),
    );
    top(
      "Top agents",
      summary.topAgents.map((a) => `${s(a.label)} (${count(a.messages)})`),
    );
    top(
      "Top models",
      summary.topModels.map((m) => `${s(m.label)} (${count(m.requests)})`),
    );
  }
  lines.push("*Files in the zip:*");
  for (const f of input.files) lines.push(`• ${s(f.name)}: ${plural(f.rowCount, "row", "rows")}`);
  lines.push("• manifest.json: period, privacy mode and a SHA-256 checksum per file");
  return lines.join("\n");
}

/**
 * The lines that replace the upload of a zip over Slack's file limit: its size and
 * its link (a Slack link, `<url>`, with the URL escaped like any other value).
 */
export function renderSlackDownloadLink(file: { sizeBytes: number; downloadUrl: string }): string {
  return `${escapeSlack(tooLargeNote(file.sizeBytes))}\n<${escapeSlack(file.downloadUrl)}>`;
}
