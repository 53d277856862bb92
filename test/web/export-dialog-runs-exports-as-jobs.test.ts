import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { createSmallWorkspace, FIXTURE_NOW } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { startBrowser, watchPage } from "../helpers/browser.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_jobs", byok: true });
const app = testApp(db, { now: FIXTURE_NOW });
const url = await startTestServer(app);
// Download links must point at this server for the browser to follow them.
app.env.publicBaseUrl = url;
const admin = (await createAccessKey(db, { workspaceId: "ws_jobs", role: "admin", name: "Jobs admin" })).apiKey;

const browser = await startBrowser();
const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 }, locale: "en-US" });
context.setDefaultTimeout(10_000);
const page = await context.newPage();
const seen = watchPage(page);

const GraphQLBody = z.object({ query: z.string(), variables: z.record(z.string(), z.unknown()).optional() });
/** The operation names the page sent to /graphql, in order. */
const operations: string[] = [];
/** While set, the page's exportJob polls wait for it: the dialog's in-progress state can be looked at. */
let hold: Promise<void> | null = null;
await page.route("**/graphql", async (route) => {
  const { query } = GraphQLBody.parse(route.request().postDataJSON());
  const name = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? "anonymous";
  operations.push(name);
  if (name === "ExportJob" && hold) await hold;
  await route.continue();
});
let release = () => {};
const holdPolls = () => {
  hold = new Promise((resolve) => {
    release = () => {
      hold = null;
      resolve();
    };
  });
};

const dialog = () => page.getByRole("dialog", { name: "Export usage" });
const JobAnswer = z.object({
  data: z.object({
    exportJob: z.object({
      data: z.object({
        status: z.string(),
        rowsWritten: z.number(),
        result: z.object({ recordCount: z.number(), filePath: z.string() }),
      }),
    }),
  }),
});

describe("the Export dialog runs exports as jobs", () => {
  test("Generate CSV creates a job, shows its progress while it runs, then downloads its file", async () => {
    await page.goto(url);
    await page.getByLabel("Admin API key").fill(admin);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Export" }).click();
    await dialog().getByLabel("Data type").selectOption("USERS");
    await dialog()
      .getByRole("radio", { name: /^Last month/ })
      .check();

    holdPolls();
    const created = page.waitForResponse(
      (r) => r.url().endsWith("/graphql") && r.request().postData()?.includes("createExportJob") === true,
    );
    await dialog().getByRole("button", { name: "Generate CSV" }).click();
    const answer = z
      .object({
        data: z.object({
          createExportJob: z.object({ data: z.object({ jobId: z.string(), status: z.string(), rowsWritten: z.number() }) }),
        }),
      })
      .parse(await (await created).json()).data.createExportJob.data;
    expect([answer.status, answer.rowsWritten]).toEqual(["QUEUED", 0]);
    // The job as the mutation answered it: queued, an indeterminate bar (no row total is known before the end).
    const bar = dialog().getByRole("progressbar", { name: "Export progress" });
    await bar.waitFor();
    expect([await bar.getAttribute("value"), await bar.getAttribute("data-rows")]).toEqual([null, "0"]);
    expect(await dialog().getByRole("status").textContent()).toBe("Waiting for the export to start…");
    expect(await dialog().getByRole("button", { name: "Generating…" }).isDisabled()).toBe(true);

    const download = page.waitForEvent("download");
    release();
    const file = await download;
    await bar.waitFor({ state: "detached" });
    const job = JobAnswer.parse(
      (
        await graphql(
          url,
          admin,
          `query ($id: String!) { exportJob(id: $id) { ... on QueryExportJobSuccess { data { status rowsWritten result { recordCount filePath } } } } }`,
          { id: answer.jobId },
        )
      ).body,
    ).data.exportJob.data;
    expect([job.status, job.rowsWritten]).toEqual(["SUCCEEDED", job.result.recordCount]);
    expect(file.suggestedFilename()).toBe(job.result.filePath.split("/").pop());
    expect((await readFile((await file.path())!, "utf8")).split("\r\n")[0]).toMatch(/^period_start,period_end,org_id,/);
    expect(await dialog().getByRole("status").textContent()).toBe(
      `Download started: ${file.suggestedFilename()} (${job.result.recordCount} rows).`,
    );
    const [first, ...polls] = operations.filter((o) => o.includes("Export"));
    expect([first, polls.length > 0 && polls.every((o) => o === "ExportJob")]).toEqual(["CreateExportJob", true]);
  });

  test("a job that fails shows the export's own message in the dialog", async () => {
    await dialog()
      .getByRole("radio", { name: /^This week/ })
      .check();
    await dialog().getByRole("button", { name: "Generate CSV" }).click();
    await expect.poll(() => dialog().getByRole("alert").textContent()).toBe("No usage data found for the selected period");
    expect(await dialog().getByRole("progressbar").count()).toBe(0);
  });

  test("closing the dialog while a job runs stops the polling: no download, no message afterwards", async () => {
    await dialog()
      .getByRole("radio", { name: /^Last month/ })
      .check();
    holdPolls();
    operations.length = 0;
    const downloads: string[] = [];
    page.on("download", (d) => downloads.push(d.suggestedFilename()));
    await dialog().getByRole("button", { name: "Generate CSV" }).click();
    await dialog().getByRole("progressbar").waitFor();
    await expect.poll(() => operations.includes("ExportJob")).toBe(true);
    await page.keyboard.press("Escape");
    await dialog().waitFor({ state: "detached" });
    release();
    // Longer than the next poll's wait (250 ms, then 500 ms).
    await page.waitForTimeout(1_200);
    expect(operations.filter((o) => o.includes("Export"))).toEqual(["CreateExportJob", "ExportJob"]);
    expect(downloads).toEqual([]);
    expect(await page.getByRole("alert").count()).toBe(0);
  });

  test("the page logged no errors and raised no alert", () => {
    expect(seen.errors.filter((e) => !e.includes("status of 401"))).toEqual([]);
    expect(seen.dialogs).toEqual([]);
  });
});
