import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormatsPlugin from "ajv-formats";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import type { Database } from "../../src/db/client.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { runCommand } from "../../src/cli/commands/index.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

// POST /usage/timeseries, POST /export/timeseries, GraphQL usageTimeSeries and
// the CLI's `timeseries` over a hand-built workspace whose numbers are worked
// out below: New York days 7–9 March 2026 (8 March has 23 hours and no usage).

const NOW = new Date("2026-11-15T12:00:00Z");
const db = await testDatabase();
const app = testApp(db, { now: NOW });
const url = await startTestServer(app);
const NY = "America/New_York";
const EARLY = "2026-01-01T00:00:00Z";

async function handWorkspace(database: Database, id: string, settings: { byok: boolean; userLevelData: boolean }) {
  await database.prisma.workspace.create({ data: { id, name: id, ...settings } });
  await ingestRecords(database, id, [
    {
      type: "user",
      id: "u1",
      name: "Ann Example",
      email: "ann@example.com",
      department: "Sales",
      joinedAt: "2026-01-01",
      effectiveAt: EARLY,
    },
    {
      type: "user",
      id: "u2",
      name: "Bob Example",
      email: "bob@example.com",
      department: "Ops",
      joinedAt: "2026-01-01",
      effectiveAt: EARLY,
    },
    { type: "agent", id: "ag1", name: "Helper", ownerId: "u1", effectiveAt: EARLY },
    { type: "api_key", id: "key1", name: "CI", effectiveAt: EARLY },
    { type: "deployment", id: "dep1", name: "Azure EU", model: "gpt-4o", provider: "azure", effectiveAt: EARLY },
    // 7 March (New York): u1 twice on gpt-4o (one through the BYOK deployment), u2 once on claude through an agent.
    ...[
      ["m1", "2026-03-07T15:00:00Z", "u1", "gpt-4o-2024-08-06", "openai", "WEB", 100, 50, 20, 10, "0.0015", "dep1"],
      ["m2", "2026-03-07T16:00:00Z", "u2", "claude-sonnet-4", "anthropic", "MOBILE", 10, 5, 0, 0, "0.0002", null],
      ["m3", "2026-03-07T20:00:00Z", "u1", "gpt-4o", "openai", "WEB", 1, 1, 0, 0, "0.000001", null],
    ].map(([mid, occurredAt, userId, model, provider, source, p, c, cached, creation, costUsd, deploymentId]) => ({
      type: "message",
      id: mid,
      occurredAt,
      userId,
      surface: userId === "u2" ? "agent" : "chat",
      agentId: userId === "u2" ? "ag1" : null,
      model,
      provider,
      source,
      deploymentId,
      promptTokens: p,
      completionTokens: c,
      cachedPromptTokens: cached,
      cacheCreationTokens: creation,
      costUsd,
    })),
    // 9 March: one API request (no user).
    {
      type: "api_request",
      id: "r1",
      occurredAt: "2026-03-09T12:00:00Z",
      apiKeyId: "key1",
      model: "gpt-4o",
      provider: "openai",
      source: "API",
      promptTokens: 1000,
      completionTokens: 500,
      cachedPromptTokens: 100,
      costUsd: "0.01",
    },
  ]);
}

await handWorkspace(db, "ws_h", { byok: true, userLevelData: true });
await handWorkspace(db, "ws_plain", { byok: false, userLevelData: true });
await handWorkspace(db, "ws_private", { byok: true, userLevelData: false });
const keyOf = async (workspaceId: string, role: "admin" | "export" | "ingest" = "export") =>
  (await createAccessKey(db, { workspaceId, role })).apiKey;
const key = await keyOf("ws_h");
const plainKey = await keyOf("ws_plain");
const privateKey = await keyOf("ws_private");

const RANGE = { from: { date: "2026-03-07", timezone: NY }, to: { date: "2026-03-09", timezone: NY } };
const body = (extra: object = {}) => ({ ...RANGE, bucket_width: "1d", group_by: ["model", "user"], ...extra });

async function post(path: string, apiKey: string | null, payload: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...headers },
    body: JSON.stringify(payload),
  });
  const text = await res.text();
  return { status: res.status, text, json: z.record(z.string(), z.unknown()).parse(JSON.parse(text)) };
}

/** The 200 answer's `data` for ws_h (the REST shape: snake_case metrics, cost as a JSON number). */
const EXPECTED = {
  bucketWidth: "1d",
  dateRange: { from: "2026-03-07T05:00:00.000Z", to: "2026-03-10T03:59:59.999Z" },
  buckets: [
    {
      start: "2026-03-07T05:00:00.000Z",
      end: "2026-03-08T05:00:00.000Z",
      results: [
        // m1 + m3: the dated snapshot counts as gpt-4o. no_cache = 101 − 20 − 10.
        {
          model: "gpt-4o",
          user: "u1",
          messages: 2,
          requests: 2,
          input_tokens: 101,
          output_tokens: 51,
          cached_prompt_tokens: 20,
          cache_creation_tokens: 10,
          no_cache_tokens: 71,
          cost_usd: 0.001501,
        },
        {
          model: "claude-sonnet-4",
          user: "u2",
          messages: 1,
          requests: 1,
          input_tokens: 10,
          output_tokens: 5,
          cached_prompt_tokens: 0,
          cache_creation_tokens: 0,
          no_cache_tokens: 10,
          cost_usd: 0.0002,
        },
      ],
    },
    // The 23-hour spring-forward day, without usage.
    { start: "2026-03-08T05:00:00.000Z", end: "2026-03-09T04:00:00.000Z", results: [] },
    {
      start: "2026-03-09T04:00:00.000Z",
      end: "2026-03-10T04:00:00.000Z",
      results: [
        {
          model: "gpt-4o",
          user: null,
          messages: 0,
          requests: 1,
          input_tokens: 1000,
          output_tokens: 500,
          cached_prompt_tokens: 100,
          cache_creation_tokens: 0,
          no_cache_tokens: 900,
          cost_usd: 0.01,
        },
      ],
    },
  ],
};

/** EXPECTED without the BYOK-only fields. */
const withoutByok = {
  ...EXPECTED,
  buckets: EXPECTED.buckets.map((b) => ({
    ...b,
    results: b.results.map(({ model, user, messages, requests }) => ({ model, user, messages, requests })),
  })),
};

describe("POST /usage/timeseries", () => {
  test("answers every bucket, each group's numbers, keys in the order asked, at the root and under /api/public", async () => {
    for (const prefix of ["", "/api/public"]) {
      const reply = await post(`${prefix}/usage/timeseries`, key, body());
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ success: true, data: EXPECTED });
    }
    const text = (await post("/usage/timeseries", key, body())).text;
    expect(text).toContain('{"model":"gpt-4o","user":"u1","messages":2,"requests":2,"input_tokens":101,');
  });

  test("matches the document's schema for its 200", async () => {
    const doc = z.record(z.string(), z.unknown()).parse(await (await fetch(`${url}/openapi.json`)).json());
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormatsPlugin.default(ajv);
    ajv.addSchema(doc, "openapi.json");
    const validate = ajv.getSchema("openapi.json#/paths/~1usage~1timeseries/post/responses/200/content/application~1json/schema");
    if (!validate) throw new Error("no 200 schema for /usage/timeseries");
    expect(validate((await post("/usage/timeseries", key, body())).json), ajv.errorsText(validate.errors)).toBe(true);
    expect(validate((await post("/usage/timeseries", plainKey, body())).json), ajv.errorsText(validate.errors)).toBe(true);
  });

  test("a non-BYOK workspace gets messages and requests only", async () => {
    expect((await post("/usage/timeseries", plainKey, body())).json).toEqual({ success: true, data: withoutByok });
  });

  test("with user-level data off, users are still their ids and no name or email appears", async () => {
    const reply = await post("/usage/timeseries", privateKey, body({ group_by: ["user", "department"] }));
    const open = await post("/usage/timeseries", key, body({ group_by: ["user", "department"] }));
    expect(reply.json).toEqual(open.json);
    expect(reply.text).not.toMatch(/Ann|Bob|example\.com/);
    const day1 = z.object({ data: z.object({ buckets: z.array(z.object({ results: z.array(z.unknown()) })) }) }).parse(reply.json);
    expect(day1.data.buckets[0]?.results).toEqual([
      expect.objectContaining({ user: "u1", department: "Sales", messages: 2 }),
      expect.objectContaining({ user: "u2", department: "Ops", messages: 1 }),
    ]);
  });

  test("without group_by: one result per non-empty bucket", async () => {
    const reply = await post("/usage/timeseries", plainKey, { ...RANGE, bucket_width: "1mo" });
    expect(reply.json).toEqual({
      success: true,
      data: {
        bucketWidth: "1mo",
        dateRange: EXPECTED.dateRange,
        buckets: [{ start: "2026-03-07T05:00:00.000Z", end: "2026-03-10T04:00:00.000Z", results: [{ messages: 3, requests: 4 }] }],
      },
    });
  });

  test("a range without usage answers its empty buckets", async () => {
    const reply = await post("/usage/timeseries", key, {
      from: { date: "2026-06-01", timezone: "UTC" },
      to: { date: "2026-06-02", timezone: "UTC" },
      bucket_width: "1d",
    });
    expect(reply.json).toEqual({
      success: true,
      data: {
        bucketWidth: "1d",
        dateRange: { from: "2026-06-01T00:00:00.000Z", to: "2026-06-02T23:59:59.999Z" },
        buckets: [
          { start: "2026-06-01T00:00:00.000Z", end: "2026-06-02T00:00:00.000Z", results: [] },
          { start: "2026-06-02T00:00:00.000Z", end: "2026-06-03T00:00:00.000Z", results: [] },
        ],
      },
    });
  });

  test("counts past 2^31 are exact, in JSON and in GraphQL", async () => {
    await db.prisma.workspace.create({ data: { id: "ws_big", name: "Big", byok: true } });
    const big = (i: number) => ({
      type: "api_request",
      id: `big${i}`,
      occurredAt: "2026-03-07T12:00:00Z",
      apiKeyId: "k",
      model: "gpt-4o",
      provider: "openai",
      source: "API",
      promptTokens: 2_000_000_001,
    });
    await ingestRecords(db, "ws_big", [big(1), big(2), big(3)]);
    const bigKey = await keyOf("ws_big");
    const reply = await post("/usage/timeseries", bigKey, { ...RANGE, bucket_width: "1mo" });
    expect(reply.text).toContain('"input_tokens":6000000003,');
    const { body: gql } = await graphql(
      url,
      bigKey,
      `query($from: DateInput!, $to: DateInput!) { usageTimeSeries(from: $from, to: $to, bucketWidth: MONTH) {
        ... on QueryUsageTimeSeriesSuccess { data { buckets { results { inputTokens noCacheTokens } } } } } }`,
      RANGE,
    );
    expect(gql.data.usageTimeSeries.data.buckets).toEqual([{ results: [{ inputTokens: 6_000_000_003, noCacheTokens: 6_000_000_003 }] }]);
  });
});

describe("bad requests", () => {
  const TOO_MANY_HOURS = { from: { date: "2026-03-01", timezone: NY }, to: { date: "2026-04-15", timezone: NY }, bucket_width: "1h" };
  const cases: [string, string, object, string][] = [
    ["unknown bucket_width", key, body({ bucket_width: "2h" }), 'bucket_width "2h" is not one of 1h, 1d, 1w, 1mo'],
    ["missing bucket_width", key, { ...RANGE }, "bucket_width is required"],
    [
      "unknown group_by key",
      key,
      body({ group_by: ["model", "team"] }),
      'group_by.1 "team" is not one of model, provider, source, deployment, user, department, agent, project, api_key',
    ],
    ["repeated group_by key", key, body({ group_by: ["model", "user", "model"] }), 'group_by names "model" more than once'],
    ["group_by not a list", key, body({ group_by: "model" }), "group_by must be a list of keys"],
    [
      "two problems at once",
      key,
      body({ bucket_width: "1y", group_by: ["user", "user"] }),
      'bucket_width "1y" is not one of 1h, 1d, 1w, 1mo; group_by names "user" more than once',
    ],
    ["hours over 31 days", key, TOO_MANY_HOURS, "bucket_width 1h covers at most 31 days; choose a shorter range or a wider bucket"],
    [
      "too many buckets",
      key,
      { from: { date: "2026-01-01", timezone: "UTC" }, to: { date: "2030-01-01", timezone: "UTC" }, bucket_width: "1d" },
      "bucket_width 1d makes more than 1200 buckets for this range; choose a shorter range or a wider bucket",
    ],
    [
      "deployment without BYOK",
      plainKey,
      body({ group_by: ["deployment"] }),
      'group_by "deployment" is only available for BYOK workspaces',
    ],
    ["from after to", key, body({ from: RANGE.to, to: RANGE.from }), "from must not be later than to"],
    ["not an object", key, [], "Request body must be a JSON object with from, to and bucket_width"],
  ];
  for (const [name, apiKey, payload, message] of cases) {
    test(`400: ${name}`, async () => {
      for (const path of ["/usage/timeseries", "/export/timeseries"]) {
        const reply = await post(path, apiKey, payload);
        expect([reply.status, reply.json]).toEqual([400, { error: "Bad Request", message }]);
      }
    });
  }

  test("401 without a key, 403 for an ingest key or a browser origin, 404 for GET", async () => {
    expect((await post("/usage/timeseries", null, body())).status).toBe(401);
    const ingest = await post("/usage/timeseries", await keyOf("ws_h", "ingest"), body());
    expect([ingest.status, ingest.json]).toEqual([403, { error: "Forbidden", message: `This API key's role "ingest" may not export` }]);
    expect((await post("/export/timeseries", key, body(), { origin: "https://evil.example" })).status).toBe(403);
    expect((await fetch(`${url}/usage/timeseries`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(404);
  });
});

describe("GraphQL usageTimeSeries", () => {
  const QUERY = `query($from: DateInput!, $to: DateInput!, $groupBy: [TimeSeriesGroupKey!]) {
    usageTimeSeries(from: $from, to: $to, bucketWidth: DAY, groupBy: $groupBy) {
      ... on AppError { code message }
      ... on QueryUsageTimeSeriesSuccess { data { bucketWidth groupBy period { startDate endDate }
        buckets { start end results { model user department messages requests inputTokens outputTokens
          cachedPromptTokens cacheCreationTokens noCacheTokens costUsd } } } } } }`;
  const Result = z.object({
    model: z.string().nullable(),
    user: z.string().nullable(),
    department: z.string().nullable(),
    messages: z.number(),
    requests: z.number(),
    inputTokens: z.number().nullable(),
    outputTokens: z.number().nullable(),
    cachedPromptTokens: z.number().nullable(),
    cacheCreationTokens: z.number().nullable(),
    noCacheTokens: z.number().nullable(),
    costUsd: z.string().nullable(),
  });
  const Series = z.object({
    bucketWidth: z.string(),
    groupBy: z.array(z.string()),
    period: z.object({ startDate: z.string(), endDate: z.string() }),
    buckets: z.array(z.object({ start: z.string(), end: z.string(), results: z.array(Result) })),
  });

  test("gives the REST answer's numbers (BYOK and not)", async () => {
    for (const [apiKey, expected] of [
      [key, EXPECTED],
      [plainKey, withoutByok],
    ] as const) {
      const { body: gql } = await graphql(url, apiKey, QUERY, { ...RANGE, groupBy: ["MODEL", "USER"] });
      const s = Series.parse(gql.data.usageTimeSeries.data);
      expect([s.bucketWidth, s.groupBy, s.period]).toEqual(["DAY", ["MODEL", "USER"], { startDate: "2026-03-07", endDate: "2026-03-09" }]);
      const asRest = s.buckets.map((b) => ({
        start: b.start,
        end: b.end,
        results: b.results.map((r) => {
          expect(r.department).toBeNull(); // not grouped by it
          const base = { model: r.model, user: r.user, messages: r.messages, requests: r.requests };
          if (r.costUsd === null) return base;
          return {
            ...base,
            input_tokens: r.inputTokens,
            output_tokens: r.outputTokens,
            cached_prompt_tokens: r.cachedPromptTokens,
            cache_creation_tokens: r.cacheCreationTokens,
            no_cache_tokens: r.noCacheTokens,
            cost_usd: Number(r.costUsd),
          };
        }),
      }));
      expect(asRest).toEqual(expected.buckets);
    }
  });

  test("a repeated key is the AppError member", async () => {
    const { body: gql } = await graphql(url, key, QUERY, { ...RANGE, groupBy: ["MODEL", "MODEL"] });
    expect(gql.data.usageTimeSeries).toEqual({ code: "BAD_REQUEST", message: 'groupBy names "model" more than once' });
  });
});

describe("POST /export/timeseries", () => {
  const CSV_HEADER = "bucket_start,bucket_end,model,user,messages,requests";
  test("writes one row per bucket and group through the export pipeline", async () => {
    const reply = await post("/api/public/export/timeseries", key, body());
    expect(reply.status).toBe(200);
    const data = z
      .object({ filePath: z.string(), downloadUrl: z.string(), dataType: z.string(), recordCount: z.number(), dateRange: z.unknown() })
      .strict()
      .parse(z.object({ success: z.literal(true), data: z.unknown() }).parse(reply.json).data);
    expect(data.filePath).toMatch(/^timeseries-usage\/ws_h\/timeseries-usage-2026-03-07-2026-03-09-[0-9a-f]{8}\.csv$/);
    expect([data.dataType, data.recordCount, data.dateRange]).toEqual(["timeseries", 3, EXPECTED.dateRange]);
    expect(data.downloadUrl.startsWith(`http://exports.test/downloads/${data.filePath}?`)).toBe(true);
    expect(await readFile(join(app.exportDir, data.filePath), "utf8")).toBe(
      [
        `${CSV_HEADER},input_tokens,output_tokens,cached_prompt_tokens,cache_creation_tokens,no_cache_tokens,cost_usd`,
        "2026-03-07T05:00:00.000Z,2026-03-08T05:00:00.000Z,gpt-4o,u1,2,2,101,51,20,10,71,0.001501",
        "2026-03-07T05:00:00.000Z,2026-03-08T05:00:00.000Z,claude-sonnet-4,u2,1,1,10,5,0,0,10,0.0002",
        "2026-03-09T04:00:00.000Z,2026-03-10T04:00:00.000Z,gpt-4o,,0,1,1000,500,100,0,900,0.01",
        "",
      ].join("\r\n"),
    );
    const recorded = await db.prisma.export.findFirstOrThrow({ where: { filePath: data.filePath } });
    expect([recorded.dataType, recorded.groupBy, recorded.recordCount]).toEqual(["timeseries", "1d,model,user", 3]);
  });

  test("a non-BYOK workspace's file has no token or cost columns; a range without usage is 404", async () => {
    const reply = await post("/export/timeseries", plainKey, body({ group_by: ["user", "model"] }));
    const filePath = z.object({ data: z.object({ filePath: z.string() }) }).parse(reply.json).data.filePath;
    const text = await readFile(join(app.exportDir, filePath), "utf8");
    expect(text.split("\r\n")[0]).toBe("bucket_start,bucket_end,user,model,messages,requests");
    expect(text.split("\r\n")[1]).toBe("2026-03-07T05:00:00.000Z,2026-03-08T05:00:00.000Z,u1,gpt-4o,2,2");
    const empty = await post("/export/timeseries", key, {
      ...body(),
      from: { date: "2026-06-01", timezone: "UTC" },
      to: { date: "2026-06-02", timezone: "UTC" },
    });
    expect([empty.status, empty.json]).toEqual([404, { error: "No data found", message: "No usage data found for the selected period" }]);
  });

  test("the CLI command prints the REST answer's data, or the file's CSV", async () => {
    const flags = { workspace: "ws_h", from: "2026-03-07", to: "2026-03-09", tz: NY, bucketWidth: "1d", groupBy: "model,user" };
    expect(await runCommand(app, "timeseries", flags)).toEqual(EXPECTED);
    const csv = z.object({ csv: z.string() }).parse(await runCommand(app, "timeseries", { ...flags, format: "csv" })).csv;
    const reply = await post("/export/timeseries", key, body());
    const filePath = z.object({ data: z.object({ filePath: z.string() }) }).parse(reply.json).data.filePath;
    expect(csv).toBe(await readFile(join(app.exportDir, filePath), "utf8"));
    // Flags are checked before anything runs: the command throws at once.
    await expect(
      Promise.resolve().then(() => runCommand(app, "timeseries", { ...flags, bucketWidth: "2h", groupBy: "model,model" })),
    ).rejects.toThrow('--bucket-width "2h" is not one of 1h, 1d, 1w, 1mo; --group-by names "model" more than once');
  });
});

describe("limits shared with the exports", () => {
  test("the time series spend the key's export budget; past it, 429 with Retry-After", async () => {
    const limited = await startTestServer(testApp(db, { now: NOW, env: { RATE_LIMIT_EXPORTS_PER_MINUTE: "2" } }));
    // A key of its own: on PostgreSQL the budget is kept in the database, shared by every server of this file.
    const fresh = await keyOf("ws_h");
    const send = (path: string) =>
      fetch(`${limited}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${fresh}`, "content-type": "application/json" },
        body: JSON.stringify(body()),
      });
    expect((await send("/usage/timeseries")).status).toBe(200);
    expect((await send("/export/timeseries")).status).toBe(200);
    const third = await send("/export/users");
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  test("format parquet writes the same rows as a Parquet file", async () => {
    const reply = await post("/export/timeseries", key, body({ format: "parquet" }));
    const data = z.object({ data: z.object({ filePath: z.string(), recordCount: z.number() }) }).parse(reply.json).data;
    expect(data.filePath).toMatch(/^timeseries-usage\/ws_h\/timeseries-usage-2026-03-07-2026-03-09-[0-9a-f]{8}\.parquet$/);
    expect(data.recordCount).toBe(3);
    expect((await readFile(join(app.exportDir, data.filePath))).subarray(0, 4).toString()).toBe("PAR1");
  });
});
