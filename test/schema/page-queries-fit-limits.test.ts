import { parse } from "graphql";
import { expect, test, vi } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { operationBreadths, QUERY_LIMITS } from "../../src/schema/builder.ts";
import * as analytics from "../../web/api/analytics.ts";
import * as reports from "../../web/reports/api.ts";
import { createSmallWorkspace, FIXTURE_NOW } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
const url = await startTestServer(testApp(db, { now: FIXTURE_NOW }));
await createSmallWorkspace(db, { id: "ws_p" });
const adminKey = (await createAccessKey(db, { workspaceId: "ws_p", role: "admin" })).apiKey;

/** Every operation the page sends, captured from its own API modules with fetch stubbed out. */
const sent: { query: string; variables: Record<string, unknown> }[] = [];
vi.stubGlobal("fetch", async (_url: string, init: { body: string }) => {
  sent.push(JSON.parse(init.body));
  return new Response(JSON.stringify({ data: {} }), { headers: { "content-type": "application/json" } });
});
const input: reports.SubscriptionInput = {
  name: "Weekly",
  cadence: "weekly",
  weekday: 1,
  dayOfMonth: null,
  time: "09:00",
  timezone: "UTC",
  channel: "email",
  slackChannelId: null,
  types: [{ dataType: "USERS", groupBy: null }],
  recipients: ["a@example.com"],
};
await Promise.allSettled([
  analytics.loadWorkspace(),
  analytics.loadOverview({ preset: "LAST_MONTH" }, "UTC"),
  analytics.createExport("USERS", { preset: "LAST_MONTH" }, "UTC", null),
  reports.listSubscriptions(),
  reports.createSubscription(input),
  reports.updateSubscription("rs_1", input),
  reports.setSubscriptionActive("rs_1", false),
  reports.deleteSubscription("rs_1"),
  reports.sendTest("rs_1"),
]);
vi.unstubAllGlobals();

test("every operation of the analytics page is within the token and breadth limits", () => {
  expect(sent.length).toBeGreaterThanOrEqual(9);
  for (const { query } of sent) {
    const [counted] = operationBreadths(parse(query, { maxTokens: QUERY_LIMITS.tokens }));
    expect(counted!.breadth, query).toBeLessThanOrEqual(QUERY_LIMITS.breadth);
  }
});

test("the page's queries run (the limits refuse none of them)", async () => {
  const queries = sent.filter(({ query }) => !query.trimStart().startsWith("mutation"));
  // workspace, overview and the reports list (one request since its runs and attempts are Prisma relations).
  expect(queries.length).toBeGreaterThanOrEqual(3);
  for (const { query, variables } of queries) {
    const { status, body } = await graphql(url, adminKey, query, variables);
    expect([status, body.errors], query).toEqual([200, undefined]);
  }
});
