import { parse } from "graphql";
import { expect, test, vi } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { operationBreadths, QUERY_LIMITS } from "../../src/schema/builder.ts";
import { runExportJob } from "../../web/api/export-jobs.ts";
import { loadTimeSeries, PAGE_GROUP_KEYS } from "../../web/api/time-series.ts";
import { createSmallWorkspace, FIXTURE_NOW } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

// The documents of the chart, the chargeback view and the export dialog's jobs
// (test/schema/page-queries-fit-limits.test.ts covers the others).
const db = await testDatabase();
const url = await startTestServer(testApp(db, { now: FIXTURE_NOW }));
await createSmallWorkspace(db, { id: "ws_ts", byok: true });
const adminKey = (await createAccessKey(db, { workspaceId: "ws_ts", role: "admin" })).apiKey;

const sent: { query: string; variables: Record<string, unknown> }[] = [];
// A job answers queued, then succeeded, so the dialog's poll is sent too.
const job = (status: string) => ({ data: { jobId: "job_1", status, rowsWritten: 0, error: null, result: null } });
const answers: Record<string, unknown> = {
  createExportJob: { createExportJob: { __typename: "MutationCreateExportJobSuccess", ...job("QUEUED") } },
  exportJob: { exportJob: { __typename: "QueryExportJobSuccess", ...job("CANCELLED") } },
};
vi.stubGlobal("fetch", async (_url: string, init: { body: string }) => {
  const body = JSON.parse(init.body);
  sent.push(body);
  const field = Object.keys(answers).find((name) => body.query.includes(`${name}(`));
  return new Response(JSON.stringify({ data: field ? answers[field] : {} }), { headers: { "content-type": "application/json" } });
});
const october = { from: "2026-10-01", to: "2026-10-31" };
// Every dimension at the widest series the page can ask for (744 hours), and each other width without a dimension.
await Promise.allSettled([
  ...[null, ...PAGE_GROUP_KEYS].map((key) => loadTimeSeries(october, "UTC", "HOUR", key)),
  ...(["DAY", "WEEK", "MONTH"] as const).map((width) => loadTimeSeries(october, "UTC", width, null)),
  runExportJob(
    { dataType: "USERS", range: { preset: "LAST_MONTH" }, timezone: "UTC", groupBy: null },
    () => undefined,
    () => false,
  ),
]);
vi.unstubAllGlobals();

test("the time-series and job operations are within the token and breadth limits", () => {
  expect(sent.map((s) => /^\s*(?:query|mutation) (\w+)/.exec(s.query)?.[1])).toEqual([
    ...Array(PAGE_GROUP_KEYS.length + 4).fill("TimeSeries"),
    "CreateExportJob",
    "ExportJob",
  ]);
  for (const { query } of sent) {
    const [counted] = operationBreadths(parse(query, { maxTokens: QUERY_LIMITS.tokens }));
    expect(counted!.breadth, query).toBeLessThanOrEqual(QUERY_LIMITS.breadth);
  }
});

test("each query runs (the complexity and depth limits refuse none), the hourly series with every bucket", async () => {
  for (const { query, variables } of sent.filter((s) => s.query.includes("usageTimeSeries"))) {
    const { status, body } = await graphql(url, adminKey, query, variables);
    expect([status, body.errors, body.data.usageTimeSeries.__typename], JSON.stringify(variables)).toEqual([
      200,
      undefined,
      "QueryUsageTimeSeriesSuccess",
    ]);
  }
  const poll = sent.find((s) => s.query.includes("exportJob("))!;
  const unknown = await graphql(url, adminKey, poll.query, poll.variables);
  expect([unknown.status, unknown.body.errors, unknown.body.data.exportJob.code]).toEqual([200, undefined, "NOT_FOUND"]);
  const hourly = await graphql(url, adminKey, sent[0]!.query, sent[0]!.variables);
  expect(hourly.body.data.usageTimeSeries.data.buckets).toHaveLength(744);
});
