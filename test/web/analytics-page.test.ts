import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { createSmallWorkspace, FIXTURE_NOW } from "../fixtures/small-workspace.ts";
import { ExportAnswer } from "../helpers/answers.ts";
import { testApp } from "../helpers/app.ts";
import { startBrowser, watchPage } from "../helpers/browser.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";
import { startSmtpCapture } from "../helpers/smtp.ts";

const smtp = await startSmtpCapture();
const db = await testDatabase();
// A BYOK workspace in UTC whose weeks start on Sunday; "now" is Sunday 15 November 2026, 12:00 UTC.
await createSmallWorkspace(db, { id: "ws_web", byok: true });
const app = testApp(db, { now: FIXTURE_NOW, env: { SMTP_URL: smtp.url } });
const url = await startTestServer(app);
// Download links must point at this server for the browser to follow them.
app.env.publicBaseUrl = url;
const admin = (await createAccessKey(db, { workspaceId: "ws_web", role: "admin", name: "Page admin" })).apiKey;
const exporter = (await createAccessKey(db, { workspaceId: "ws_web", role: "export" })).apiKey;

const browser = await startBrowser();
const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 }, locale: "en-US" });
// Fail fast on a missing element instead of waiting out the test's own timeout.
context.setDefaultTimeout(10_000);
const page = await context.newPage();
const seen = watchPage(page);

const gqlData = async (query: string, variables: Record<string, unknown> = {}) => {
  const { body } = await graphql(url, admin, query, variables);
  expect(body.errors).toBeUndefined();
  return body.data;
};
const exportDialog = () => page.getByRole("dialog", { name: "Export usage" });

describe("the analytics page in Chromium", () => {
  test("sign-in refuses a wrong or non-admin key with a message on the page", async () => {
    await page.goto(url);
    await page.getByLabel("Admin API key").fill("ue_wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("Invalid API key");
    expect(new URL(page.url()).search).toBe(""); // the failure code is removed from the address bar
    await page.getByLabel("Admin API key").fill(exporter);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toBe("Only admin API keys may sign in to the analytics page; export and ingest keys may not");
  });

  test("an admin signs in once; the key stays out of the page and its storage, and the session cookie is HttpOnly and SameSite=Strict", async () => {
    await page.getByLabel("Admin API key").fill(admin);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Fixture analytics" }).waitFor();
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path])).toEqual([["ue_session", true, "Strict", "/"]]);
    const visible = await page.evaluate(() => [
      document.cookie,
      JSON.stringify(localStorage),
      JSON.stringify(sessionStorage),
      document.documentElement.outerHTML,
    ]);
    expect(visible.slice(0, 3)).toEqual(["", "{}", "{}"]);
    expect(visible[3]).not.toContain(admin);
    await expect.poll(() => page.locator(".who").textContent()).toBe("Fixture · Page admin");
  });

  test("the headline numbers equal GraphQL's for the chosen range; the chart and the top tables show the same period", async () => {
    const { usageSummary } = await gqlData(`{ usageSummary(period: { preset: LAST_MONTH }) { ... on QueryUsageSummarySuccess { data {
      messages activeUsers agentsUsed apiRequests inputTokens outputTokens costUsd } } } }`);
    const expected = usageSummary.data;
    await page.locator("[data-stat=messages]").waitFor();
    const shown = await page
      .locator("[data-stat]")
      .evaluateAll((els) =>
        els.map((el) => [
          el.getAttribute("data-stat"),
          el.querySelector("data")!.getAttribute("value"),
          el.querySelector("dd")!.textContent,
        ]),
      );
    expect(shown).toEqual([
      ["messages", String(expected.messages), "7"],
      ["activeUsers", String(expected.activeUsers), "2"],
      ["agentsUsed", String(expected.agentsUsed), "2"],
      ["apiRequests", String(expected.apiRequests), "3"],
      ["inputTokens", String(expected.inputTokens), "2,688"],
      ["outputTokens", String(expected.outputTokens), "950"],
      ["costUsd", expected.costUsd, "$0.02"],
    ]);
    expect(await page.locator("#period").textContent()).toBe("Oct 1 – Oct 31, 2026 · UTC");
    expect(await page.locator(".chart canvas").count()).toBeGreaterThan(0);
    expect(await page.locator(".legend li").allTextContents()).toEqual(["gpt-4o 4", "claude-3-5-sonnet 2", "gpt-4o-mini 1"]);
    expect(
      await page
        .locator("[data-table=top-users] tbody tr")
        .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent))),
    ).toEqual([
      ["Alice Adminalice@acme.test", "4", "2", "1"],
      ['=HYPERLINK("x")bob@acme.test', "3", "2", "0"],
    ]);
    const cells = (table: string) =>
      page
        .locator(`[data-table=${table}] tbody tr`)
        .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent)));
    expect(await cells("top-agents")).toEqual([
      ["Research Helperowner alice@acme.test", "3", "2"],
      ["Support Botowner bob@acme.test", "1", "1"],
    ]);
    expect(await cells("top-projects")).toEqual([["Launchowner alice@acme.test", "1"]]);
    expect(await cells("top-api-keys")).toEqual([["CI pipelinek1", "3", "$0.01"]]);

    await page.getByLabel("Date range").selectOption("THIS_WEEK");
    await expect.poll(() => page.locator("#period").textContent()).toBe("Nov 15 – Nov 21, 2026 · UTC");
    expect(await page.locator("[data-stat=messages] data").getAttribute("value")).toBe("0");
    expect(await page.locator(".chart .empty").textContent()).toBe("No messages in this period.");
    // A custom range is applied with its button; 5 October holds m2 and m3.
    await page.getByLabel("Date range").selectOption("CUSTOM");
    await page.getByLabel("From", { exact: true }).fill("2026-10-05");
    await page.getByLabel("To", { exact: true }).fill("2026-10-05");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => page.locator("#period").textContent()).toBe("Oct 5 – Oct 5, 2026 · UTC");
    const custom =
      await gqlData(`{ usageSummary(period: { from: { date: "2026-10-05", timezone: "UTC" }, to: { date: "2026-10-05", timezone: "UTC" } }) {
      ... on QueryUsageSummarySuccess { data { messages } } } }`);
    expect(await page.locator("[data-stat=messages] data").getAttribute("value")).toBe(String(custom.usageSummary.data.messages));
    expect(custom.usageSummary.data.messages).toBe(2);

    await page.getByLabel("Date range").selectOption("LAST_MONTH");
    await expect.poll(() => page.locator("#period").textContent()).toBe("Oct 1 – Oct 31, 2026 · UTC");
  });

  test("the Export dialog lists each preset with its concrete dates in the workspace's time zone, and only valid subgroups", async () => {
    const { workspace } = await gqlData("{ workspace { presets { preset startDate endDate } } }");
    expect(workspace.presets).toEqual([
      { preset: "THIS_MONTH", startDate: "2026-11-01", endDate: "2026-11-30" },
      { preset: "LAST_MONTH", startDate: "2026-10-01", endDate: "2026-10-31" },
      { preset: "THIS_WEEK", startDate: "2026-11-15", endDate: "2026-11-21" },
      { preset: "LAST_WEEK", startDate: "2026-11-08", endDate: "2026-11-14" },
    ]);
    await page.getByRole("button", { name: "Export" }).click();
    await exportDialog().waitFor();
    const presets = await exportDialog()
      .locator("[data-preset]")
      .evaluateAll((labels) =>
        labels.map((l) => ({
          preset: l.getAttribute("data-preset"),
          startDate: l.querySelectorAll("time")[0]!.getAttribute("datetime"),
          endDate: l.querySelectorAll("time")[1]!.getAttribute("datetime"),
          text: l.textContent,
        })),
      );
    expect(presets).toEqual([
      { ...workspace.presets[0], text: "This monthNov 1 – Nov 30, 2026" },
      { ...workspace.presets[1], text: "Last monthOct 1 – Oct 31, 2026" },
      { ...workspace.presets[2], text: "This weekNov 15 – Nov 21, 2026" },
      { ...workspace.presets[3], text: "Last weekNov 8 – Nov 14, 2026" },
    ]);
    expect(await exportDialog().getByRole("radio", { name: "This month Nov 1 – Nov 30, 2026" }).isChecked()).toBe(true);

    const subgroups = async (type: string) => {
      await exportDialog().getByLabel("Data type").selectOption(type);
      return exportDialog().getByLabel("Subgroup rows").locator("option").allTextContents();
    };
    expect(await subgroups("USERS")).toEqual(["No grouping", "Model"]);
    expect(await subgroups("AGENTS")).toEqual(["No grouping", "Model"]);
    expect(await subgroups("API_KEYS")).toEqual(["No grouping", "Model"]);
    expect(await subgroups("PROJECTS")).toEqual(["No grouping"]);
    expect(await subgroups("MODELS")).toEqual(["No grouping", "Source", "Deployment"]);

    await exportDialog().getByRole("radio", { name: "Choose custom range" }).check();
    const from = exportDialog().getByLabel("From", { exact: true });
    expect([await from.getAttribute("min"), await from.getAttribute("max")]).toEqual(["2025-11-15", "2026-11-15"]);
  });

  test("Generate CSV downloads exactly the bytes of the REST export of the same request", async () => {
    await exportDialog().getByLabel("Data type").selectOption("AGENTS");
    await exportDialog()
      .getByRole("radio", { name: /^Last month/ })
      .check();
    await exportDialog().getByLabel("Subgroup rows").selectOption("MODEL");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      exportDialog().getByRole("button", { name: "Generate CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^agents-usage-2026-10-01-2026-10-31-[0-9a-f]{8}\.csv$/);
    const fromPage = await readFile((await download.path())!);

    const rest = await fetch(`${url}/export/agents`, {
      method: "POST",
      headers: { authorization: `Bearer ${exporter}`, "content-type": "application/json" },
      body: JSON.stringify({
        from: { date: "2026-10-01", timezone: "UTC" },
        to: { date: "2026-10-31", timezone: "UTC" },
        group_by: "model",
      }),
    });
    const { data } = ExportAnswer.parse(await rest.json());
    const fromRest = Buffer.from(await (await fetch(data.downloadUrl)).arrayBuffer());
    expect(fromPage.toString("utf8").split("\r\n")[0]).toMatch(/^period_start,period_end,org_id,assistant_id,model,/);
    expect(fromPage.equals(fromRest)).toBe(true);
    await expect
      .poll(() => exportDialog().getByRole("status").textContent())
      .toMatch(new RegExp(`^Download started: agents-usage-2026-10-01-2026-10-31-[0-9a-f]{8}\\.csv \\(${data.recordCount} rows\\)\\.$`));
  });

  test("no data and invalid ranges are reported inside the dialog, never as alerts; Escape closes it and focus returns to Export", async () => {
    await exportDialog()
      .getByRole("radio", { name: /^This week/ })
      .check();
    await exportDialog().getByRole("button", { name: "Generate CSV" }).click();
    await expect.poll(() => exportDialog().getByRole("alert").textContent()).toBe("No usage data found for the selected period");

    await exportDialog().getByRole("radio", { name: "Choose custom range" }).check();
    await exportDialog().getByLabel("From", { exact: true }).fill("2026-11-10");
    await exportDialog().getByLabel("To", { exact: true }).fill("2026-11-01");
    await exportDialog().getByRole("button", { name: "Generate CSV" }).click();
    await expect.poll(() => exportDialog().getByRole("alert").textContent()).toBe("The start date must not be after the end date");
    expect(seen.dialogs).toEqual([]);

    await page.keyboard.press("Escape");
    await exportDialog().waitFor({ state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Export");
    // Keyboard only: Enter on the focused button opens it again, with focus inside.
    await page.keyboard.press("Enter");
    await exportDialog().waitFor();
    expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
    await page.keyboard.press("Escape");
  });

  test("a subscription is created and edited on the reports screen, and its test send arrives at the SMTP server", async () => {
    await page.getByRole("link", { name: "Scheduled reports" }).click();
    await page.getByRole("button", { name: "New subscription" }).click();
    const form = page.getByRole("form", { name: "New subscription" });
    await form.getByLabel("Name", { exact: true }).fill("Finance weekly");
    await form.getByLabel("On", { exact: true }).selectOption("1");
    await form.getByLabel("At", { exact: true }).fill("09:00");
    await form.getByLabel("Time zone", { exact: true }).selectOption("UTC");
    await form.getByRole("checkbox", { name: "Models" }).check();
    await form.getByLabel("Models: subgroup rows").selectOption("SOURCE");
    await form.getByRole("button", { name: "Create subscription" }).click();
    // No recipients yet: the server's problem is listed in the form.
    await expect.poll(() => form.getByRole("alert").textContent()).toMatch(/^The subscription could not be saved:recipients: /);
    await form.getByLabel("Recipients", { exact: true }).fill("cfo@acme.test");
    await form.getByRole("button", { name: "Create subscription" }).click();

    const card = page.locator("[data-subscription]");
    await card.waitFor();
    const { reportSubscriptions } = await gqlData(
      `{ reportSubscriptions { ... on QueryReportSubscriptionsSuccess { data { id nextRuns(count: 3) } } } }`,
    );
    const [sub] = reportSubscriptions.data;
    expect(await card.getAttribute("data-subscription")).toBe(sub.id);
    expect(await card.locator("dd").allTextContents()).toEqual([
      "Weekly on Monday at 09:00 (UTC)",
      "Users, Models by source",
      "Email to cfo@acme.test",
      "Nov 16, 2026, 9:00 AMNov 23, 2026, 9:00 AMNov 30, 2026, 9:00 AM",
    ]);
    expect(await card.locator(".next-runs time").evaluateAll((ts) => ts.map((t) => t.getAttribute("datetime")))).toEqual(sub.nextRuns);

    await card.getByRole("button", { name: "Send test" }).click();
    await expect.poll(() => card.getByRole("status").textContent(), { timeout: 20_000 }).toBe("Test delivered (2026-11-08 – 2026-11-14).");
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : null).toBe("cfo@acme.test");
    expect(mail.attachments.map((a) => a.filename)).toEqual(["finance-weekly-2026-11-08-2026-11-14.zip"]);
    await card.getByText("Delivery history (1)").click();
    expect(await card.locator("[data-run] td").allTextContents()).toEqual([
      "2026-11-08 – 2026-11-14",
      "test",
      expect.stringMatching(/^delivered Nov 15, 2026, 12:00 PM$/),
      "delivered",
    ]);

    await card.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => card.locator(".badge").first().textContent()).toBe("Paused");
    expect(await card.locator("dd").nth(3).textContent()).toBe("None while paused");
    await card.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => card.locator(".badge").first().textContent()).toBe("Active");

    await card.getByRole("button", { name: "Edit" }).click();
    const edit = page.getByRole("form", { name: "Edit “Finance weekly”" });
    await edit.getByLabel("Name", { exact: true }).fill("Finance weekly (CFO)");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => card.getByRole("heading").textContent()).toBe("Finance weekly (CFO)");
  });

  test("with user-level data off, names and emails are not shown", async () => {
    const privacy = (on: boolean) =>
      gqlData(
        `mutation { updateWorkspaceSettings(input: { userLevelData: ${on} }) { ... on MutationUpdateWorkspaceSettingsSuccess { data { userLevelData } } } }`,
      );
    await privacy(false);
    try {
      await page.goto(`${url}/#/`);
      await page.locator("[data-table=top-users] tbody tr").first().waitFor();
      expect(await page.locator("[data-table=top-users] th").allTextContents()).toEqual(["User", "Messages", "To agents", "In projects"]);
      expect(await page.locator("[data-table=top-users] tbody td:first-child").allTextContents()).toEqual(["u1", "u2"]);
      expect(await page.locator("[data-table=top-agents] tbody td:first-child").allTextContents()).toEqual([
        "Research Helpera1",
        "Support Bota2",
      ]);
      const text = await page.locator("main").textContent();
      expect(text).not.toContain("Alice");
      expect(text).not.toContain("@acme.test");
      expect(text).toContain("names and emails hidden");
    } finally {
      await privacy(true);
    }
  });

  test("at phone width nothing overflows the page sideways", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.locator("[data-stat=messages]").waitFor();
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > 391 && !e.closest(".table-scroll"))
        .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test("signing out ends the session on the server", async () => {
    const [cookie] = await context.cookies();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Admin API key").waitFor();
    const res = await fetch(`${url}/session`, { headers: { cookie: `ue_session=${cookie!.value}` } });
    expect([res.status, z.object({ message: z.string() }).parse(await res.json()).message]).toEqual([
      401,
      "This session was signed out: sign in again",
    ]);
  });

  test("the page logged no errors (CSP violations included) and raised no alert", () => {
    // Signed out, GET /session answers 401 by design; Chromium logs that as a failed resource.
    expect(seen.errors.filter((e) => !e.includes("status of 401"))).toEqual([]);
    expect(seen.dialogs).toEqual([]);
  });
});
