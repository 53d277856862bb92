import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { seedDemoWorkspace } from "../../src/demo/generate-demo.ts";
import { testApp } from "../helpers/app.ts";
import { startBrowser } from "../helpers/browser.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

// The README's screenshot: the demo workspace `npm start` creates, on a fixed clock
// (Wednesday 17 June 2026, 15:30 in Berlin), so every run draws the same page.
const NOW = new Date("2026-06-17T13:30:00Z");
const SCREENSHOT = fileURLToPath(new URL("../../docs/analytics-page.png", import.meta.url));

const db = await testDatabase();
const { apiKey } = await seedDemoWorkspace(db, { now: NOW });
const url = await startTestServer(testApp(db, { now: NOW }));
const browser = await startBrowser();

test("the demo workspace's analytics page renders its chart and tables, and is saved as docs/analytics-page.png", {
  timeout: 60_000,
}, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  page.setDefaultTimeout(20_000);
  await page.goto(url);
  await page.getByLabel("Admin API key").fill(apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".chart canvas").first().waitFor();
  await page.locator("[data-table=top-api-keys] tbody tr").first().waitFor();

  const { body } = await graphql(
    url,
    apiKey,
    `{ usageSummary(period: { preset: LAST_MONTH }) { ... on QueryUsageSummarySuccess { data { messages } } } }`,
  );
  expect(await page.locator("[data-stat=messages] data").getAttribute("value")).toBe(String(body.data.usageSummary.data.messages));
  expect(await page.locator("#period").textContent()).toBe("May 1 – May 31, 2026 · Europe/Berlin");
  expect(await page.locator(".legend li").count()).toBeGreaterThan(2);
  // The canvas really has bars on it: some pixels are neither transparent nor white.
  const painted = await page
    .locator(".chart canvas")
    .first()
    .evaluate((c: HTMLCanvasElement) => {
      const { data } = c.getContext("2d")!.getImageData(0, 0, c.width, c.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && (data[i]! < 200 || data[i + 2]! < 200)) n++;
      return n;
    });
  expect(painted).toBeGreaterThan(5_000);

  await mkdir(fileURLToPath(new URL("../../docs/", import.meta.url)), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});
