import type { ReportSummary } from "../src/reports/build-report-zip.ts";

export interface ReportEmailInput {
  reportName: string;
  summary: ReportSummary;
  files: { name: string; rowCount: number }[];
  /** Set when the zip is over the attachment limit: the body links to it instead. */
  downloadUrl: string | null;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const count = new Intl.NumberFormat("en-US");
const plural = (n: number, one: string, many: string) => `${count.format(n)} ${n === 1 ? one : many}`;

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Every interpolated value goes through this: report, user and agent names are user input. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

// A header value must stay on one line (nodemailer folds it, but a newline in a
// name must not start a new header or look like one).
const oneLine = (value: string) => value.replace(/[\r\n\t]+/g, " ").trim();

/** The sections both bodies show, in order; each line is plain text, escaped per format. */
function sections(input: ReportEmailInput): { title: string; lines: string[]; ordered: boolean }[] {
  const { summary, files } = input;
  const out: { title: string; lines: string[]; ordered: boolean }[] = [];
  if (!summary.noData) {
    out.push({
      title: "Totals",
      ordered: false,
      lines: [
        `Messages: ${count.format(summary.totals.messages)}`,
        `Active users: ${count.format(summary.totals.activeUsers)}`,
        `API requests: ${count.format(summary.totals.apiRequests)}`,
      ],
    });
    const top = (title: string, lines: string[]) => out.push({ title, ordered: true, lines });
    top("Top users", summary.topUsers.map((u) => `${u.label}: ${plural(u.messages, "message", "messages")}`));
    top("Top agents", summary.topAgents.map((a) => `${a.label}: ${plural(a.messages, "message", "messages")}`));
    top("Top models", summary.topModels.map((m) => `${m.label}: ${plural(m.requests, "request", "requests")}`));
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

/**
 * The email of one scheduled report: a subject naming the report and period,
 * and the same content as plain text and HTML (totals, top entities, the files
 * with row counts, and either "attached" or a download link).
 */
export function renderReportEmail(input: ReportEmailInput): RenderedEmail {
  const { reportName, summary, downloadUrl } = input;
  const subject = `Usage report "${oneLine(reportName)}" — ${summary.period.startDate} to ${summary.period.endDate}`;
  const parts = sections(input);

  const text = [
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

  const e = escapeHtml;
  const list = (s: (typeof parts)[number]) => {
    if (s.lines.length === 0) return "<p>none</p>";
    const tag = s.ordered ? "ol" : "ul";
    return `<${tag}>${s.lines.map((l) => `<li>${e(l)}</li>`).join("")}</${tag}>`;
  };
  const html = [
    "<!doctype html>",
    '<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #222;">',
    `<h1 style="font-size: 18px;">Usage report &quot;${e(reportName)}&quot;</h1>`,
    `<p>Period: ${e(periodLine(summary))}</p>`,
    ...(summary.noData ? [`<p>${e(NO_DATA)}</p>`] : []),
    ...parts.map((s) => `<h2 style="font-size: 15px;">${e(s.title)}</h2>${list(s)}`),
    downloadUrl
      ? `<p>${e(TOO_LARGE)} <a href="${e(downloadUrl)}">${e(downloadUrl)}</a></p>`
      : `<p>${e(ATTACHED)}</p>`,
    "</body></html>",
    "",
  ].join("\n");

  return { subject, text, html };
}
