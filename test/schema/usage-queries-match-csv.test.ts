import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import type { ColumnKind } from "../../src/usage/shared/column.ts";
import { createExport } from "../../src/exports/create-export.ts";
import { MAX_TOKENS } from "../../src/ingest/amounts.ts";
import { formatCell, type CellValue } from "../../src/exports/format-cell.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { DATA_TYPE_SLICES as USAGE_REPORTS } from "../../src/usage/registry.ts";
import type { DataType } from "../../src/usage/shared/data-types.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW });
const url = await startTestServer(app);
await createSmallWorkspace(db, { id: "ws_a", byok: true, userLevelData: true });
await createSmallWorkspace(db, { id: "ws_b", byok: false, userLevelData: false });
const keys: Record<string, string> = {
  ws_a: (await createAccessKey(db, { workspaceId: "ws_a", role: "export" })).apiKey,
  ws_b: (await createAccessKey(db, { workspaceId: "ws_b", role: "export" })).apiKey,
};

const QUERY_NAMES: Record<DataType, string> = {
  users: "userUsage",
  agents: "agentUsage",
  api_keys: "apiKeyUsage",
  projects: "projectUsage",
  models: "modelUsage",
};

/** A data type's columns: CSV name, row field (the GraphQL field) and kind. */
const columnsOf = (type: DataType): { name: string; field: string; kind: ColumnKind }[] =>
  USAGE_REPORTS[type].columns.map((c) => ({ name: c.name, field: c.field, kind: c.kind }));

/** A GraphQL field's value, checked to be one a CSV cell can hold. */
const Cell: z.ZodType<CellValue> = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.undefined(),
  z.array(z.object({ key: z.string(), count: z.number() })),
]);

function operation(type: DataType, groupBy: string | null): string {
  const columns = columnsOf(type);
  const selection = columns.map((c) => (c.kind === "json" ? `${c.field} { key count }` : c.field)).join(" ");
  const group = groupBy ? `, groupBy: ${groupBy.toUpperCase()}` : "";
  return `query($period: PeriodInput!) {
    ${QUERY_NAMES[type]}(period: $period, first: 200${group}) {
      __typename
      ... on AppError { code message }
      ... on Query${QUERY_NAMES[type][0]!.toUpperCase()}${QUERY_NAMES[type].slice(1)}Success { data { columns totalCount nodes { ${selection} } } }
    }
  }`;
}

const CASES: [DataType, string | null][] = [
  ["users", null],
  ["users", "model"],
  ["agents", null],
  ["agents", "model"],
  ["projects", null],
  ["api_keys", null],
  ["api_keys", "model"],
  ["models", null],
  ["models", "source"],
  ["models", "deployment"],
];

/**
 * Asks the GraphQL query and the CSV export of the same request; expects every
 * visible field to equal its CSV cell and hidden fields to be null. Returns the nodes.
 */
async function expectGraphqlEqualsCsv(
  workspaceId: string,
  type: DataType,
  groupBy: string | null,
  period: typeof FIXTURE_PERIOD = FIXTURE_PERIOD,
): Promise<Record<string, unknown>[]> {
  const { body } = await graphql(url, keys[workspaceId]!, operation(type, groupBy), { period });
  expect(body.errors).toBeUndefined();
  const page = body.data[QUERY_NAMES[type]].data;
  const columns = columnsOf(type).filter((c) => page.columns.includes(c.name));
  const fromGraphql = [
    columns.map((c) => c.name).join(","),
    ...page.nodes.map((n: Record<string, unknown>) => columns.map((c) => csvQuote(formatCell(c.kind, Cell.parse(n[c.field])))).join(",")),
  ];
  const exported = await createExport(app, {
    workspaceId,
    dataType: type,
    period: resolvePeriod(period.from, period.to, FIXTURE_NOW),
    groupBy,
  });
  const csv = (await readFile(exported.absolutePath, "utf8")).split("\r\n").filter(Boolean);
  expect(fromGraphql).toEqual(csv);
  expect(page.totalCount).toBe(exported.recordCount);
  // Fields outside the export's columns are null, never a value the CSV would not show.
  const hidden = USAGE_REPORTS[type].columns.filter((c) => !page.columns.includes(c.name));
  for (const node of page.nodes) for (const c of hidden) expect(node[c.field], c.field).toBeNull();
  return page.nodes;
}

describe("GraphQL usage queries and CSV exports give the same numbers", () => {
  for (const workspaceId of ["ws_a", "ws_b"] as const) {
    for (const [type, groupBy] of CASES) {
      if (workspaceId === "ws_b" && groupBy === "deployment") continue;
      test(`${type} grouped by ${groupBy ?? "nothing"} in ${workspaceId}: every visible field equals its CSV cell`, async () => {
        await expectGraphqlEqualsCsv(workspaceId, type, groupBy);
      });
    }
  }
});

// ws_big: a BYOK workspace whose token sums pass 2^31 and 2^32, as the largest
// models' did over a year of a 10M-record data set (Int answered INTERNAL_SERVER_ERROR).
// Each of u1's 4 agent messages and k1's 4 API requests carries ingestion's
// per-record maximum of input tokens; one of each falls on 31 October, a raw edge
// of the Berlin period (whole UTC days are read from the daily rollups).
const PER_RECORD = {
  promptTokens: MAX_TOKENS,
  completionTokens: 2_000_000_000,
  cachedPromptTokens: 700_000_000,
  cacheCreationTokens: 750_000_000,
};
const DAYS = ["2026-10-02T12:00:00Z", "2026-10-03T12:00:00Z", "2026-10-04T12:00:00Z", "2026-10-31T12:00:00Z"];
/** The sums of `n` such records (no-cache = input − cache-read − cache-write). */
const sums = (n: number) => ({
  prompt: n * PER_RECORD.promptTokens,
  completion: n * PER_RECORD.completionTokens,
  cached: n * PER_RECORD.cachedPromptTokens,
  cacheCreation: n * PER_RECORD.cacheCreationTokens,
  noCache: n * (PER_RECORD.promptTokens - PER_RECORD.cachedPromptTokens - PER_RECORD.cacheCreationTokens),
});
const FOUR = sums(4); // u1, a1, k1: prompt 8,589,934,588 (> 2^32), no-cache 2,789,934,588 (> 2^31)
const EIGHT = sums(8); // gpt-4o over messages and API requests: prompt 17,179,869,176

await db.prisma.workspace.create({ data: { id: "ws_big", name: "Big", byok: true, userLevelData: true } });
const bigKeys = {
  ingest: (await createAccessKey(db, { workspaceId: "ws_big", role: "ingest" })).apiKey,
  export: (await createAccessKey(db, { workspaceId: "ws_big", role: "export" })).apiKey,
};
keys.ws_big = bigKeys.export;
const ingested = await fetch(`${url}/ingest`, {
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${bigKeys.ingest}` },
  body: JSON.stringify([
    { type: "user", id: "u1", name: "Heavy User", email: "heavy@big.test", role: "member", joinedAt: "2026-01-01" },
    { type: "agent", id: "a1", name: "Summarizer", ownerId: "u1" },
    { type: "project", id: "p1", name: "Archive", ownerId: "u1" },
    { type: "api_key", id: "k1", name: "Batch jobs" },
    ...DAYS.map((occurredAt, i) => ({
      type: "message",
      id: `big-m${i}`,
      occurredAt,
      userId: "u1",
      surface: "agent",
      agentId: "a1",
      conversationId: "c1",
      model: "gpt-4o",
      provider: "openai",
      source: "WEB",
      ...PER_RECORD,
    })),
    ...DAYS.map((occurredAt, i) => ({
      type: "api_request",
      id: `big-r${i}`,
      occurredAt,
      apiKeyId: "k1",
      model: "gpt-4o",
      provider: "openai",
      source: "API",
      ...PER_RECORD,
    })),
    {
      type: "message",
      id: "big-p",
      occurredAt: DAYS[0],
      userId: "u1",
      surface: "project",
      projectId: "p1",
      model: "gpt-4o-mini",
      provider: "openai",
      source: "WEB",
    },
  ]),
});
if (ingested.status !== 200) throw new Error(`ingest answered ${ingested.status}: ${await ingested.text()}`);

const BERLIN_OCTOBER = {
  from: { date: "2026-10-01", timezone: "Europe/Berlin" },
  to: { date: "2026-10-31", timezone: "Europe/Berlin" },
};

describe("token sums past 2^31 are exact in GraphQL and equal the CSV", () => {
  for (const [where, period] of [
    ["UTC", FIXTURE_PERIOD],
    ["Europe/Berlin", BERLIN_OCTOBER],
  ] as const) {
    test(`users in ${where}: u1's token sums are exact`, async () => {
      const nodes = await expectGraphqlEqualsCsv("ws_big", "users", null, period);
      expect(nodes.find((n) => n.userId === "u1")).toMatchObject({
        messagesTotal: 5,
        totalInputTokens: FOUR.prompt,
        totalOutputTokens: FOUR.completion,
        cachedPromptTokens: FOUR.cached,
        cacheCreationTokens: FOUR.cacheCreation,
        noCacheTokens: FOUR.noCache,
      });
    });

    test(`agents in ${where}: a1's token sums are exact`, async () => {
      const nodes = await expectGraphqlEqualsCsv("ws_big", "agents", null, period);
      expect(nodes.find((n) => n.assistantId === "a1")).toMatchObject({
        messages: 4,
        sumPromptTokens: FOUR.prompt,
        maxPromptTokens: MAX_TOKENS, // one record's maximum still fits Int
        sumCompletionTokens: FOUR.completion,
        sumCachedPromptTokens: FOUR.cached,
        sumCacheCreationTokens: FOUR.cacheCreation,
        sumNoCacheTokens: FOUR.noCache,
      });
    });

    test(`API keys in ${where}: k1's token sums are exact`, async () => {
      const nodes = await expectGraphqlEqualsCsv("ws_big", "api_keys", null, period);
      expect(nodes.find((n) => n.apiKeyId === "k1")).toMatchObject({
        requests: 4,
        sumPromptTokens: FOUR.prompt,
        sumCompletionTokens: FOUR.completion,
        cachedPromptTokens: FOUR.cached,
        cacheCreationTokens: FOUR.cacheCreation,
        noCacheTokens: FOUR.noCache,
      });
    });

    test(`projects in ${where}: the message counts equal the CSV`, async () => {
      const nodes = await expectGraphqlEqualsCsv("ws_big", "projects", null, period);
      expect(nodes.find((n) => n.projectId === "p1")).toMatchObject({ messages: 1 });
    });

    test(`models in ${where}: gpt-4o's token sums over messages and API requests are exact`, async () => {
      for (const groupBy of [null, "source"]) await expectGraphqlEqualsCsv("ws_big", "models", groupBy, period);
      const nodes = await expectGraphqlEqualsCsv("ws_big", "models", null, period);
      expect(nodes.find((n) => n.name === "gpt-4o")).toMatchObject({
        requests: 8,
        sumPromptTokens: EIGHT.prompt,
        sumCompletionTokens: EIGHT.completion,
        sumCachedPromptTokens: EIGHT.cached,
        sumCacheCreationTokens: EIGHT.cacheCreation,
        noCacheTokens: EIGHT.noCache,
      });
    });

    test(`usageSummary in ${where}: token totals are exact whole numbers`, async () => {
      const { body } = await graphql(
        url,
        bigKeys.export,
        `query($period: PeriodInput!) { usageSummary(period: $period) {
        ... on QueryUsageSummarySuccess { data { messages apiRequests inputTokens outputTokens cachedPromptTokens cacheCreationTokens } } } }`,
        { period },
      );
      expect(body.errors).toBeUndefined();
      expect(body.data.usageSummary.data).toEqual({
        messages: 5,
        apiRequests: 4,
        inputTokens: EIGHT.prompt,
        outputTokens: EIGHT.completion,
        cachedPromptTokens: EIGHT.cached,
        cacheCreationTokens: EIGHT.cacheCreation,
      });
    });
  }
});

/** Quotes a cell as RFC 4180 does when needed (the rule src/exports/csv.ts applies). */
function csvQuote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
