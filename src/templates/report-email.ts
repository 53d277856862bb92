import { count, plural, tooLargeNote } from "./format.ts";
import { html, markup } from "./html.ts";
import type { ReportFileLine, ReportSummary } from "./report-summary.ts";

export interface ReportEmailInput {
  reportName: string;
  summary: ReportSummary;
  files: ReportFileLine[];
  /** Set when the zip is over the attachment limit: the body links to it instead. */
  downloadUrl: string | null;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** `& < > " '` as entities: what every value interpolated into the HTML goes through (by `html`). */
export function escapeHtml(value: string): string {
  return markup(html`${value}`);
}

// A header value must stay on one line (nodemailer folds it, but a newline in a
// name must not start a new header or look like one).
const oneLine = (value: string) => value.replace(/[\r\n\t]+/g, " ").trim();

interface Section {
  title: string;
  lines: string[];
  ordered: boolean;
}

/** The sections both bodies show, in order; each line is plain text, escaped per format. */
function sections(input: ReportEmailInput): Section[] {
  const { summary, files } = input;
  const out: Section[] = [];
  if (!summary.noData) {
    out.push({
      title: "Totals",
      ordered: false,
      lines: [
        `Messages: ${count(summary.totals.messages)}`,
        `Active users: ${count(summary.totals.activeUsers)}`,
        `API requests: ${count(summary.totals.apiRequests)}`,
      ],
    });
    const top = (title: string, lines: string[]) => out.push({ title, ordered: true, lines });
    top(
      "Top users",
      summary.topUsers.map((u) => `${u.label}: ${plural(u.messages, "message", "messages")}`),
    );
    top(
      "Top agents",
      summary.topAgents.map((a) => `${a.label}: ${plural(a.messages, "message", "messages")}`),
    );
    top(
      "Top models",
      summary.topModels.map((m) => `${m.label}: ${plural(m.requests, "request", "requests")}`),
    );
  }
  out.push({
    title: "Files",
    ordered: false,
    lines: [
      ...files.map((f) => `${f.name}: ${plural(f.rowCount, "row", "rows")}`),
      "manifest.json: period, privacy mode and a SHA-256 checksum per file, to audit this delivery",
    ],
  });
  return out;
}

function periodLine(s: ReportSummary): string {
  return `${s.period.startDate} to ${s.period.endDate} (${s.period.timezone})`;
}

const NO_DATA = "No usage was recorded in this period, so the zip holds only its manifest.";
const ATTACHED = "The files are attached as one zip.";
const TOO_LARGE = "The zip is too large to attach. Download it (the link expires):";

function textBody(input: ReportEmailInput, parts: Section[]): string {
  const { reportName, summary, downloadUrl } = input;
  return [
    `Usage report "${reportName}"`,
    `Period: ${periodLine(summary)}`,
    ...(summary.noData ? ["", NO_DATA] : []),
    ...parts.flatMap((s) => [
      "",
      s.title,
      ...(s.lines.length === 0 ? ["  none"] : s.lines.map((l, i) => `  ${s.ordered ? `${i + 1}.` : "-"} ${l}`)),
    ]),
    "",
    ...(downloadUrl ? [TOO_LARGE, downloadUrl] : [ATTACHED]),
    "",
  ].join("\n");
}

const list = (s: Section) => {
  if (s.lines.length === 0) return html`<p>none</p>`;
  const items = s.lines.map((l) => html`<li>${l}</li>`);
  return s.ordered ? html`<ol>${items}</ol>` : html`<ul>${items}</ul>`;
};

function htmlBody(input: ReportEmailInput, parts: Section[]): string {
  const { reportName, summary, downloadUrl } = input;
  return markup(html`<!doctype html>
<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #222;">
<h1 style="font-size: 18px;">Usage report &quot;${reportName}&quot;</h1>
<p>Period: ${periodLine(summary)}</p>
${summary.noData ? html`<p>${NO_DATA}</p>\n` : null}${parts.map((s) => html`<h2 style="font-size: 15px;">${s.title}</h2>${list(s)}\n`)}${
  downloadUrl ? html`<p>${TOO_LARGE} <a href="${downloadUrl}">${downloadUrl}</a></p>` : html`<p>${ATTACHED}</p>`
}
</body></html>
`);
}

/**
 * The email of one scheduled report: a subject naming the report and period,
 * and the same content as plain text and HTML (totals, top entities, the files
 * with row counts, and either "attached" or a download link).
 */
export function renderReportEmail(input: ReportEmailInput): RenderedEmail {
  const { reportName, summary } = input;
  const subject = `Usage report "${oneLine(reportName)}" — ${summary.period.startDate} to ${summary.period.endDate}`;
  const parts = sections(input);
  return { subject, text: textBody(input, parts), html: htmlBody(input, parts) };
}

/**
 * The paragraph and text lines that replace an attachment, for a message rendered
 * without the link (the email deliverer adds them): the zip's size and its link.
 */
export function renderDownloadLinkNote(file: { sizeBytes: number; downloadUrl: string }): { text: string; html: string } {
  const note = tooLargeNote(file.sizeBytes);
  return {
    text: `${note}\n${file.downloadUrl}\n`,
    html: markup(html`<p>${note} <a href="${file.downloadUrl}">${file.downloadUrl}</a></p>\n`),
  };
}
