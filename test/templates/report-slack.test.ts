import { describe, expect, test } from "vitest";
import type { ReportSummary } from "../../src/templates/report-summary.ts";
import { escapeSlack, renderReportSlackMessage } from "../../src/templates/report-slack.ts";

const summary: ReportSummary = {
  period: { startDate: "2026-10-01", endDate: "2026-10-31", timezone: "UTC" },
  totals: { messages: 7, activeUsers: 2, apiRequests: 1 },
  topUsers: [
    { label: "Alice Admin", messages: 4 },
    { label: '=HYPERLINK("x")', messages: 3 },
  ],
  topAgents: [],
  topModels: [{ label: "gpt-4o (openai)", requests: 1200 }],
  noData: false,
};
const files = [{ name: "users-usage-2026-10-01-2026-10-31-0a1b2c3d.csv", rowCount: 3 }];

describe("renderReportSlackMessage", () => {
  test("the whole message", () => {
    expect(renderReportSlackMessage({ reportName: "Weekly finance", summary, files })).toBe(
      [
        "*Usage report:* Weekly finance",
        "*Period:* 2026-10-01 to 2026-10-31 (UTC)",
        "*Totals:* 7 messages · 2 active users · 1 API request",
        '*Top users:* 1. Alice Admin (4)  2. =HYPERLINK("x") (3)',
        "*Top agents:* none",
        "*Top models:* 1. gpt-4o (openai) (1,200)",
        "*Files in the zip:*",
        "• users-usage-2026-10-01-2026-10-31-0a1b2c3d.csv: 3 rows",
        "• manifest.json: period, privacy mode and a SHA-256 checksum per file",
      ].join("\n"),
    );
  });

  test("&, < and > in names are escaped, so a name cannot mention @channel or fake a link", () => {
    const text = renderReportSlackMessage({
      reportName: `<script>&"`,
      summary: {
        ...summary,
        topUsers: [{ label: "<!channel>", messages: 1 }],
        topAgents: [{ label: "<http://evil.test|Docs>", messages: 2 }],
      },
      files: [{ name: "a&b.csv", rowCount: 1 }],
    });
    expect(text).toContain('*Usage report:* &lt;script&gt;&amp;"\n');
    expect(text).toContain("*Top users:* 1. &lt;!channel&gt; (1)\n");
    expect(text).toContain("*Top agents:* 1. &lt;http://evil.test|Docs&gt; (2)\n");
    expect(text).toContain("• a&amp;b.csv: 1 row\n");
    expect(text).not.toMatch(/<|>/);
  });

  test("a period without usage says so", () => {
    const text = renderReportSlackMessage({
      reportName: "W",
      summary: { ...summary, noData: true, totals: { messages: 0, activeUsers: 0, apiRequests: 0 }, topUsers: [], topModels: [] },
      files: [],
    });
    expect(text).toBe(
      [
        "*Usage report:* W",
        "*Period:* 2026-10-01 to 2026-10-31 (UTC)",
        "No usage was recorded in this period, so the zip holds only its manifest.",
        "*Files in the zip:*",
        "• manifest.json: period, privacy mode and a SHA-256 checksum per file",
      ].join("\n"),
    );
  });

  test("escapeSlack escapes only &, < and >", () => {
    expect(escapeSlack(`a&b<c>d"e'*_`)).toBe(`a&amp;b&lt;c&gt;d"e'*_`);
  });
});
