import { describe, expect, test } from "vitest";
import type { ReportSummary } from "../../src/templates/report-summary.ts";
import { escapeHtml, renderReportEmail } from "../../src/templates/report-email.ts";

const summary: ReportSummary = {
  period: { startDate: "2026-10-19", endDate: "2026-10-25", timezone: "Europe/Berlin" },
  totals: { messages: 12345, activeUsers: 2, apiRequests: 1 },
  topUsers: [
    { label: "Alice Admin", messages: 12000 },
    { label: "u2", messages: 345 },
  ],
  topAgents: [{ label: "Research Helper", messages: 1 }],
  topModels: [{ label: "gpt-4o (openai)", requests: 12346 }],
  noData: false,
};
const files = [
  { name: "users-usage-2026-10-19-2026-10-25-0a1b2c3d.csv", rowCount: 3 },
  { name: "models-usage-2026-10-19-2026-10-25-00ff00ff.csv", rowCount: 1 },
];
const HOSTILE = `<script>&"'`;

describe("renderReportEmail", () => {
  test("subject, and a text body with period, totals, top entities, files and 'attached'", () => {
    const mail = renderReportEmail({ reportName: "Weekly finance", summary, files, downloadUrl: null });
    expect(mail.subject).toBe('Usage report "Weekly finance" — 2026-10-19 to 2026-10-25');
    expect(mail.text).toBe(
      [
        'Usage report "Weekly finance"',
        "Period: 2026-10-19 to 2026-10-25 (Europe/Berlin)",
        "",
        "Totals",
        "  - Messages: 12,345",
        "  - Active users: 2",
        "  - API requests: 1",
        "",
        "Top users",
        "  1. Alice Admin: 12,000 messages",
        "  2. u2: 345 messages",
        "",
        "Top agents",
        "  1. Research Helper: 1 message",
        "",
        "Top models",
        "  1. gpt-4o (openai): 12,346 requests",
        "",
        "Files",
        "  - users-usage-2026-10-19-2026-10-25-0a1b2c3d.csv: 3 rows",
        "  - models-usage-2026-10-19-2026-10-25-00ff00ff.csv: 1 row",
        "  - manifest.json: period, privacy mode and a SHA-256 checksum per file, to audit this delivery",
        "",
        "The files are attached as one zip.",
        "",
      ].join("\n"),
    );
    expect(mail.html).toContain('<h1 style="font-size: 18px;">Usage report &quot;Weekly finance&quot;</h1>');
    expect(mail.html).toContain("<p>Period: 2026-10-19 to 2026-10-25 (Europe/Berlin)</p>");
    expect(mail.html).toContain("<ul><li>Messages: 12,345</li><li>Active users: 2</li><li>API requests: 1</li></ul>");
    expect(mail.html).toContain("<ol><li>Alice Admin: 12,000 messages</li><li>u2: 345 messages</li></ol>");
    expect(mail.html).toContain("<li>users-usage-2026-10-19-2026-10-25-0a1b2c3d.csv: 3 rows</li>");
    expect(mail.html).toContain("<p>The files are attached as one zip.</p>");
    expect(mail.html).not.toContain("<a ");
  });

  test("a download link replaces 'attached' when the zip is too large", () => {
    const url = "http://exports.test/downloads/report-zips/ws_a/x/weekly-2026-10-19-2026-10-25.zip?expires=1&signature=ab";
    const mail = renderReportEmail({ reportName: "Weekly", summary, files, downloadUrl: url });
    expect(mail.text).toContain(`The zip is too large to attach. Download it (the link expires):\n${url}\n`);
    expect(mail.text).not.toContain("attached as one zip");
    const escaped = url.replace("&", "&amp;");
    expect(mail.html).toContain(`<a href="${escaped}">${escaped}</a>`);
    expect(mail.html).not.toContain("attached as one zip");
  });

  test("every interpolated value is HTML-escaped", () => {
    const hostile: ReportSummary = {
      ...summary,
      topUsers: [{ label: HOSTILE, messages: 1 }],
      topAgents: [{ label: `<img src=x onerror=alert(1)>`, messages: 1 }],
      topModels: [{ label: `a&b (<p>)`, requests: 1 }],
    };
    const mail = renderReportEmail({
      reportName: HOSTILE,
      summary: hostile,
      files: [{ name: `<b>.csv`, rowCount: 1 }],
      downloadUrl: `http://x.test/"><script>`,
    });
    const esc = "&lt;script&gt;&amp;&quot;&#39;";
    expect(mail.html).toContain(`Usage report &quot;${esc}&quot;</h1>`);
    expect(mail.html).toContain(`<li>${esc}: 1 message</li>`);
    expect(mail.html).toContain("<li>&lt;img src=x onerror=alert(1)&gt;: 1 message</li>");
    expect(mail.html).toContain("<li>a&amp;b (&lt;p&gt;): 1 request</li>");
    expect(mail.html).toContain("<li>&lt;b&gt;.csv: 1 row</li>");
    expect(mail.html).toContain('<a href="http://x.test/&quot;&gt;&lt;script&gt;">');
    expect(mail.html).not.toMatch(/<script|<img|<b>|<p>\)/);
    // The subject and text are not HTML: the name stays as written.
    expect(mail.subject).toBe(`Usage report "${HOSTILE}" — 2026-10-19 to 2026-10-25`);
    expect(mail.text.split("\n")[0]).toBe(`Usage report "${HOSTILE}"`);
  });

  test("a line break in the name cannot leave the subject line", () => {
    expect(renderReportEmail({ reportName: "A\r\nBcc: x@evil.test", summary, files, downloadUrl: null }).subject).toBe(
      'Usage report "A Bcc: x@evil.test" — 2026-10-19 to 2026-10-25',
    );
  });

  test("a period without usage says so and lists only the manifest", () => {
    const empty: ReportSummary = {
      period: summary.period,
      totals: { messages: 0, activeUsers: 0, apiRequests: 0 },
      topUsers: [],
      topAgents: [],
      topModels: [],
      noData: true,
    };
    const mail = renderReportEmail({ reportName: "Weekly", summary: empty, files: [], downloadUrl: null });
    expect(mail.text).toContain("\nNo usage was recorded in this period, so the zip holds only its manifest.\n");
    expect(mail.text).not.toContain("Totals");
    expect(mail.text).toContain("Files\n  - manifest.json:");
    expect(mail.html).toContain("<p>No usage was recorded in this period, so the zip holds only its manifest.</p>");
  });

  test("a top list with no entries reads 'none'", () => {
    const mail = renderReportEmail({ reportName: "W", summary: { ...summary, topAgents: [] }, files, downloadUrl: null });
    expect(mail.text).toContain("Top agents\n  none\n");
    expect(mail.html).toContain('<h2 style="font-size: 15px;">Top agents</h2><p>none</p>');
  });

  test("escapeHtml", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
