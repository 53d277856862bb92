import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { createSmallWorkspace, FIXTURE_NOW } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { startBrowser, watchPage } from "../helpers/browser.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

// Two copies of the hand-built fixture (October 2026, UTC, weeks from Sunday): one BYOK, one not.
const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_chart", byok: true });
await createSmallWorkspace(db, { id: "ws_plain", byok: false });
const url = await startTestServer(testApp(db, { now: FIXTURE_NOW }));
const admin = (await createAccessKey(db, { workspaceId: "ws_chart", role: "admin", name: "Chart admin" })).apiKey;
const plainAdmin = (await createAccessKey(db, { workspaceId: "ws_plain", role: "admin", name: "Plain admin" })).apiKey;

const browser = await startBrowser();

async function signedIn(apiKey: string): Promise<{ page: Page; seen: ReturnType<typeof watchPage> }> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 }, locale: "en-US" });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const seen = watchPage(page);
  await page.goto(url);
  await page.getByLabel("Admin API key").fill(apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("[data-stat=messages]").waitFor();
  return { page, seen };
}

const Buckets = z.array(
  z.object({
    start: z.string(),
    results: z.array(z.object({ department: z.string().nullable(), messages: z.number(), costUsd: z.string() })),
  }),
);

/** October's series from GraphQL, as the page asks for it. */
async function october(bucketWidth: string, groupBy: string[]) {
  const { body } = await graphql(
    url,
    admin,
    `query ($w: TimeSeriesBucketWidth!, $g: [TimeSeriesGroupKey!]) {
      usageTimeSeries(from: { date: "2026-10-01", timezone: "UTC" }, to: { date: "2026-10-31", timezone: "UTC" }, bucketWidth: $w, groupBy: $g) {
        ... on QueryUsageTimeSeriesSuccess { data { buckets { start results { department messages costUsd } } } }
      }
    }`,
    { w: bucketWidth, g: groupBy },
  );
  expect(body.errors).toBeUndefined();
  return Buckets.parse(body.data.usageTimeSeries.data.buckets);
}

/** Exact sum of decimal strings (9 decimals: the database's scale), written without trailing zeros. */
function exactSum(values: string[]): string {
  const nanos = values.reduce((sum, v) => {
    const [whole, fraction = ""] = v.split(".");
    return sum + BigInt(whole!) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0"));
  }, 0n);
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${nanos / 1_000_000_000n}${fraction ? `.${fraction}` : ""}`;
}

const { page, seen } = await signedIn(admin);
const legend = () => page.locator(".legend li").allTextContents();
const chartRows = () => page.locator("[data-table=chart] tbody tr").count();
const title = () => page.locator("#chart-title").textContent();

describe("the chart's pickers", () => {
  test("the default view is today's: messages per day by model, one bar per day of October", async () => {
    expect(await page.getByLabel("Split by").inputValue()).toBe("MODEL");
    expect(await page.getByLabel("Per", { exact: true }).inputValue()).toBe("DAY");
    expect(await title()).toBe("Messages per day by model");
    expect(await legend()).toEqual(["gpt-4o 4", "claude-3-5-sonnet 2", "gpt-4o-mini 1"]);
    expect(await chartRows()).toBe(31);
  });

  test("each dimension draws one series per group of the fixture's October, named where the page knows the name", async () => {
    const shown = async (dimension: string) => {
      await page.getByLabel("Split by").selectOption(dimension);
      await expect.poll(() => page.locator(".chart").getAttribute("data-dimension")).toBe(dimension);
      return { title: await title(), legend: await legend(), columns: await page.locator("[data-table=chart] thead th").count() };
    };
    // Agents: a1 has m2, m3, m5; a2 has m6; m1, m4 and m7 are outside agents (the tie is ordered by key, null first).
    expect(await shown("AGENT")).toEqual({
      title: "Messages per day by agent",
      legend: ["No agent 3", "Research Helper 3", "Support Bot 1"],
      columns: 4,
    });
    // Departments at each day's end: u1 in Eng (m1–m4), u2 in "Sales, EMEA" (m5–m7); API requests have no messages.
    expect(await shown("DEPARTMENT")).toEqual({ title: "Messages per day by department", legend: ["Eng 4", "Sales, EMEA 3"], columns: 3 });
    expect(await shown("PROJECT")).toEqual({ title: "Messages per day by project", legend: ["No project 6", "Launch 1"], columns: 3 });
    // API keys count requests: r1–r3 on k1 ("CI pipeline"); the 7 messages have no key.
    expect(await shown("API_KEY")).toEqual({
      title: "Requests per day by API key",
      legend: ["Messages (no API key) 7", "CI pipeline 3"],
      columns: 3,
    });
    expect(await shown("SOURCE")).toEqual({ title: "Messages per day by source", legend: ["WEB 5", "MOBILE 1", "SLACK 1"], columns: 4 });
    expect(await shown("")).toEqual({ title: "Messages per day", legend: ["Messages 7"], columns: 2 });
    expect(await shown("MODEL")).toEqual({
      title: "Messages per day by model",
      legend: ["gpt-4o 4", "claude-3-5-sonnet 2", "gpt-4o-mini 1"],
      columns: 4,
    });
  });

  test("the bucket width sets the number of points: 744 hours, 31 days, 5 weeks (from Sunday, the first clipped), 1 month", async () => {
    const points = async (width: string) => {
      await page.getByLabel("Per", { exact: true }).selectOption(width);
      await expect.poll(() => page.locator(".chart").getAttribute("data-width")).toBe(width);
      return chartRows();
    };
    expect(await points("HOUR")).toBe(744);
    expect(await points("WEEK")).toBe(5);
    expect(await points("MONTH")).toBe(1);
    expect(await points("DAY")).toBe(31);
    expect((await october("WEEK", [])).map((b) => b.start)).toEqual([
      "2026-10-01T00:00:00.000Z",
      "2026-10-04T00:00:00.000Z",
      "2026-10-11T00:00:00.000Z",
      "2026-10-18T00:00:00.000Z",
      "2026-10-25T00:00:00.000Z",
    ]);
    expect(
      await page.locator("[data-table=chart] tbody tr th time").evaluateAll((ts) => ts.slice(0, 2).map((t) => t.getAttribute("datetime"))),
    ).toEqual(["2026-10-01T00:00:00.000Z", "2026-10-02T00:00:00.000Z"]);
  });

  test("hours are not offered for a range over 31 days; a chosen hour falls back to days there", async () => {
    await page.getByLabel("Per", { exact: true }).selectOption("HOUR");
    await expect.poll(chartRows).toBe(744);
    await page.getByLabel("Date range").selectOption("CUSTOM");
    await page.getByLabel("From", { exact: true }).fill("2026-09-30");
    await page.getByLabel("To", { exact: true }).fill("2026-10-31");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(chartRows).toBe(32);
    expect(await page.locator("#chart-width option[value=HOUR]").isDisabled()).toBe(true);
    expect(await page.getByLabel("Per", { exact: true }).inputValue()).toBe("DAY");
    expect(await page.locator("#chart-width-hint").textContent()).toBe("Hours: ranges up to 31 days");
    // Back to October: hours are allowed again, and still chosen.
    await page.getByLabel("Date range").selectOption("LAST_MONTH");
    await expect.poll(chartRows).toBe(744);
    await page.getByLabel("Per", { exact: true }).selectOption("DAY");
    await expect.poll(chartRows).toBe(31);
  });
});

describe("a failed series request", () => {
  test("is reported in the chart card while the rest of the page stays; the next choice loads again", async () => {
    const logged = seen.errors.length;
    // The network drops the time-series request (and only it).
    await page.route("**/graphql", (route) => (route.request().postData()?.includes("usageTimeSeries") ? route.abort() : route.continue()));
    await page.getByLabel("Split by").selectOption("SOURCE");
    await expect.poll(() => page.locator(".chart [role=alert]").textContent()).toBe("Failed to fetch");
    expect(await page.locator(".legend li").count()).toBe(0);
    expect(await page.locator("[data-stat=messages] data").getAttribute("value")).toBe("7");
    await page.unroute("**/graphql");
    await page.getByLabel("Split by").selectOption("MODEL");
    await expect.poll(legend).toEqual(["gpt-4o 4", "claude-3-5-sonnet 2", "gpt-4o-mini 1"]);
    expect(await page.locator(".chart [role=alert]").count()).toBe(0);
    // Chromium logs the dropped request; nothing else was logged meanwhile.
    expect(seen.errors.splice(logged).filter((e) => !e.includes("net::ERR_FAILED"))).toEqual([]);
  });
});

describe("the chargeback view", () => {
  test("its numbers are the sums of the time series by department, exact, with totals", async () => {
    await page.getByRole("link", { name: "Chargeback" }).click();
    await page.locator("[data-table=chargeback] tfoot").waitFor();
    expect(await page.locator("#chargeback-period").textContent()).toBe(
      "Oct 1 – Oct 31, 2026 · UTC · By the user's department at each month's end",
    );
    const rows = await page
      .locator("[data-table=chargeback] tbody tr")
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute("data-department"),
          tr.querySelector("[data-cell=messages] data")!.getAttribute("value"),
          tr.querySelector("[data-cell=costUsd] data")!.getAttribute("value"),
        ]),
      );
    // The time series per day (another width than the view's months): summed here, by department.
    const sums = new Map<string, { messages: number; costs: string[] }>();
    for (const bucket of await october("DAY", ["DEPARTMENT"]))
      for (const r of bucket.results) {
        const s = sums.get(r.department ?? "") ?? { messages: 0, costs: [] };
        s.messages += r.messages;
        s.costs.push(r.costUsd);
        sums.set(r.department ?? "", s);
      }
    expect(rows).toEqual([
      ["", String(sums.get("")!.messages), exactSum(sums.get("")!.costs)],
      ["Sales, EMEA", String(sums.get("Sales, EMEA")!.messages), exactSum(sums.get("Sales, EMEA")!.costs)],
      ["Eng", String(sums.get("Eng")!.messages), exactSum(sums.get("Eng")!.costs)],
    ]);
    // By hand: API requests r1–r3 (no department) 0.012; u2's m5–m7 0.004001; u1's m1–m4 0.0035.
    expect(rows).toEqual([
      ["", "0", "0.012"],
      ["Sales, EMEA", "3", "0.004001"],
      ["Eng", "4", "0.0035"],
    ]);
    const total = await page
      .locator("[data-table=chargeback] tfoot td data")
      .evaluateAll((ds) => ds.map((d) => [d.getAttribute("value"), d.textContent]));
    const all = [...sums.values()];
    expect(total).toEqual([
      [String(all.reduce((n, s) => n + s.messages, 0)), "7"],
      [exactSum(all.flatMap((s) => s.costs)), "$0.02"],
    ]);
    const { body } = await graphql(
      url,
      admin,
      `{ usageSummary(period: { preset: LAST_MONTH }) { ... on QueryUsageSummarySuccess { data { costUsd } } } }`,
    );
    expect(exactSum([body.data.usageSummary.data.costUsd])).toBe(total[1]![0]);
  });

  test("Download CSV saves the table's rows, cells written by the exports' rules", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
    expect(download.suggestedFilename()).toBe("chargeback-by-department-2026-10-01-2026-10-31.csv");
    expect(await readFile((await download.path())!, "utf8")).toBe(
      [
        "period_start,period_end,department,messages,cost_usd",
        "2026-10-01,2026-10-31,,0,0.012",
        '2026-10-01,2026-10-31,"Sales, EMEA",3,0.004001',
        "2026-10-01,2026-10-31,Eng,4,0.0035",
        "",
      ].join("\r\n"),
    );
  });

  test("the range is shared with the analytics screen, and an empty range says so", async () => {
    await page.getByLabel("Date range").selectOption("THIS_WEEK");
    await expect.poll(() => page.locator("[data-table=chargeback] .empty").textContent()).toBe("No usage in this period.");
    expect(await page.getByRole("button", { name: "Download CSV" }).isDisabled()).toBe(true);
    await page.getByRole("link", { name: "Analytics" }).click();
    await expect.poll(() => page.locator("#period").textContent()).toBe("Nov 15 – Nov 21, 2026 · UTC");
    expect(await page.getByLabel("Date range").inputValue()).toBe("THIS_WEEK");
  });

  test("a workspace without BYOK is told it has no cost, and gets no cost column in the table or the CSV", async () => {
    const plain = await signedIn(plainAdmin);
    await plain.page.getByRole("link", { name: "Chargeback" }).click();
    await plain.page.locator("[data-table=chargeback] tfoot").waitFor();
    expect(await plain.page.locator("#no-cost").textContent()).toBe(
      "Cost is not shown: this workspace does not bring its own provider keys (BYOK), so its usage carries no provider cost.",
    );
    expect(await plain.page.locator("[data-table=chargeback] thead th").allTextContents()).toEqual(["Department", "Messages"]);
    expect(await plain.page.locator("[data-table=chargeback]").textContent()).not.toContain("$");
    // Without cost, the requests-only group (no department, no messages) has nothing to charge.
    expect(await plain.page.locator("[data-table=chargeback] tbody tr").evaluateAll((trs) => trs.map((tr) => tr.textContent))).toEqual([
      "Eng4",
      "Sales, EMEA3",
    ]);
    const [download] = await Promise.all([
      plain.page.waitForEvent("download"),
      plain.page.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    expect(await readFile((await download.path())!, "utf8")).toBe(
      ["period_start,period_end,department,messages", "2026-10-01,2026-10-31,Eng,4", '2026-10-01,2026-10-31,"Sales, EMEA",3', ""].join(
        "\r\n",
      ),
    );
    expect(plain.seen.errors.filter((e) => !e.includes("status of 401"))).toEqual([]);
  });

  test("the page logged no errors (CSP violations included) and raised no alert", () => {
    expect(seen.errors.filter((e) => !e.includes("status of 401"))).toEqual([]);
    expect(seen.dialogs).toEqual([]);
  });
});
