import { describe, expect, test } from "vitest";
import { z } from "zod";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_o", byok: true });
await createSmallWorkspace(db, { id: "ws_plain", byok: false });
// Sunday 15 November 2026, 12:00 UTC.
const url = await startTestServer(testApp(db, { now: FIXTURE_NOW }));
const key = (await createAccessKey(db, { workspaceId: "ws_o", role: "export" })).apiKey;
const plainKey = (await createAccessKey(db, { workspaceId: "ws_plain", role: "export" })).apiKey;
const ingestKey = (await createAccessKey(db, { workspaceId: "ws_o", role: "ingest" })).apiKey;

const SUMMARY = `query($period: PeriodInput!) { usageSummary(period: $period) {
  ... on AppError { code message }
  ... on QueryUsageSummarySuccess { data { period { startDate endDate } messages activeUsers agentsUsed apiRequests
    inputTokens outputTokens cachedPromptTokens cacheCreationTokens costUsd } } } }`;
const SERIES = `query($period: PeriodInput!) { usageSeries(period: $period) {
  ... on AppError { code message }
  ... on QueryUsageSeriesSuccess { data { period { startDate endDate timezone } days models { model total messages } } } } }`;

const summary = async (period: object, apiKey = key) => (await graphql(url, apiKey, SUMMARY, { period })).body.data.usageSummary;
const series = async (period: object) => (await graphql(url, key, SERIES, { period })).body.data.usageSeries;
const inBerlin = {
  from: { date: "2026-10-01", timezone: "Europe/Berlin" },
  to: { date: "2026-10-31", timezone: "Europe/Berlin" },
};
/** A usage connection's answer: its nodes. */
const Nodes = z.object({ data: z.object({ nodes: z.array(z.record(z.string(), z.unknown())) }) });
/** Micro-dollars, so sums of money strings are exact. */
const micros = (usd: string) => Math.round(Number(usd) * 1e6);

describe("usageSummary", () => {
  test("October's headline numbers, worked out by hand from the fixture", async () => {
    // m1–m7 are October's messages (m8 is 1 November, m9 30 September); r1–r3 its API requests.
    expect((await summary(FIXTURE_PERIOD)).data).toEqual({
      period: { startDate: "2026-10-01", endDate: "2026-10-31" },
      messages: 7,
      activeUsers: 2, // u1, u2
      agentsUsed: 2, // a1, a2
      apiRequests: 3,
      inputTokens: 2688, // 100+200+301+40+10+1000+0 + 1000+30+7
      outputTokens: 950, // 50+80+7+4+5+300+0 + 500+3+1
      cachedPromptTokens: 520, // 20+400 + 100
      cacheCreationTokens: 110, // 10+100
      costUsd: "0.019501", // 0.0015+0.002+0.004+0.000001 + 0.01+0.002
    });
  });

  test("equals the totals of the exports of the same period, in another time zone too", async () => {
    for (const period of [FIXTURE_PERIOD, inBerlin]) {
      const { body } = await graphql(
        url,
        key,
        `query($period: PeriodInput!) {
        userUsage(period: $period, first: 200) { ... on QueryUserUsageSuccess { data { nodes { messagesTotal } } } }
        agentUsage(period: $period, first: 200) { ... on QueryAgentUsageSuccess { data { nodes { messages } } } }
        apiKeyUsage(period: $period, first: 200) { ... on QueryApiKeyUsageSuccess { data { nodes { requests } } } }
        modelUsage(period: $period, first: 200) { ... on QueryModelUsageSuccess { data { nodes { requests sumPromptTokens sumCompletionTokens totalCostUsd } } } }
      }`,
        { period },
      );
      /** The `field` of every node of the `name` connection. */
      const column = (name: string, field: string) => Nodes.parse(body.data[name]).data.nodes.map((n) => n[field]);
      const numbers = (name: string, field: string) => z.array(z.number()).parse(column(name, field));
      const sum = (name: string, field: string) => numbers(name, field).reduce((a, n) => a + n, 0);
      const s = (await summary(period)).data;
      expect(s.messages).toBe(sum("userUsage", "messagesTotal"));
      expect(s.activeUsers).toBe(numbers("userUsage", "messagesTotal").filter((n) => n > 0).length);
      expect(s.agentsUsed).toBe(numbers("agentUsage", "messages").filter((n) => n > 0).length);
      expect(s.apiRequests).toBe(sum("apiKeyUsage", "requests"));
      expect(s.messages + s.apiRequests).toBe(sum("modelUsage", "requests"));
      expect([s.inputTokens, s.outputTokens]).toEqual([sum("modelUsage", "sumPromptTokens"), sum("modelUsage", "sumCompletionTokens")]);
      expect(micros(s.costUsd)).toBe(
        z
          .array(z.string())
          .parse(column("modelUsage", "totalCostUsd"))
          .reduce((a, usd) => a + micros(usd), 0),
      );
    }
  });

  test("tokens and cost are null outside BYOK workspaces, as in the exports", async () => {
    expect((await summary(FIXTURE_PERIOD, plainKey)).data).toMatchObject({
      messages: 7,
      inputTokens: null,
      outputTokens: null,
      costUsd: null,
    });
  });

  test("an empty period is all zeros; a bad period or a key that may not query is an AppError", async () => {
    expect((await summary({ preset: "THIS_WEEK" })).data).toMatchObject({
      period: { startDate: "2026-11-15", endDate: "2026-11-21" },
      messages: 0,
      activeUsers: 0,
      costUsd: "0",
    });
    expect(await summary({ from: { date: "2025-11-14", timezone: "UTC" }, to: { date: "2025-11-20", timezone: "UTC" } })).toEqual({
      code: "BAD_REQUEST",
      message: "from: Historical data is limited to 12 months",
    });
    expect(await summary(FIXTURE_PERIOD, ingestKey)).toEqual({
      code: "FORBIDDEN",
      message: 'This API key\'s role "ingest" may not query usage',
    });
  });
});

describe("usageSeries", () => {
  const day = (days: string[], date: string) => days.indexOf(date);

  test("messages per UTC day of October, busiest model first, every day present", async () => {
    const { data } = await series(FIXTURE_PERIOD);
    expect(data.days).toHaveLength(31);
    expect([data.days[0], data.days[30]]).toEqual(["2026-10-01", "2026-10-31"]);
    expect(data.models.map((m: { model: string; total: number }) => [m.model, m.total])).toEqual([
      ["gpt-4o", 4], // m1 1 Oct, m4 6 Oct, m6 8 Oct, m7 31 Oct 23:59:59.999
      ["claude-3-5-sonnet", 2], // m2, m3 on 5 Oct
      ["gpt-4o-mini", 1], // m5 7 Oct
    ]);
    const gpt4o = z.array(z.number()).parse(data.models[0].messages);
    expect(gpt4o).toHaveLength(31);
    expect([gpt4o[day(data.days, "2026-10-01")], gpt4o[day(data.days, "2026-10-06")], gpt4o[day(data.days, "2026-10-31")]]).toEqual([
      1, 1, 1,
    ]);
    expect(data.models[1].messages[day(data.days, "2026-10-05")]).toBe(2);
  });

  test("days are the period's own calendar days: in Berlin, m9 (30 Sep 23:59 UTC) falls on 1 October and m7 on 1 November", async () => {
    const { data } = await series(inBerlin);
    expect(data.period.timezone).toBe("Europe/Berlin");
    const gpt4o = data.models.find((m: { model: string }) => m.model === "gpt-4o");
    expect(gpt4o.total).toBe(4); // m9, m1, m4, m6
    expect(gpt4o.messages[day(data.days, "2026-10-01")]).toBe(2);
    expect(gpt4o.messages[day(data.days, "2026-10-31")]).toBe(0);
  });

  test("a preset with no messages has its days and no models", async () => {
    expect((await series({ preset: "THIS_WEEK" })).data).toEqual({
      period: { startDate: "2026-11-15", endDate: "2026-11-21", timezone: "UTC" },
      days: ["2026-11-15", "2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21"],
      models: [],
    });
  });
});

describe("workspace calendar", () => {
  test("today and the earliest allowed start, in the workspace's time zone", async () => {
    await db.prisma.workspace.update({ where: { id: "ws_plain" }, data: { timezone: "Pacific/Kiritimati" } });
    const { body } = await graphql(url, plainKey, "{ workspace { today historyStart } }");
    // 12:00 UTC on 15 November is already 02:00 on 16 November at UTC+14.
    expect(body.data.workspace).toEqual({ today: "2026-11-16", historyStart: "2025-11-16" });
    const utc = await graphql(url, key, "{ workspace { today historyStart } }");
    expect(utc.body.data.workspace).toEqual({ today: "2026-11-15", historyStart: "2025-11-15" });
  });
});
