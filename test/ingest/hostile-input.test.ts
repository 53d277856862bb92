import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { MAX_KEY_BYTES } from "../../src/ingest/fields.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { ExportAnswer } from "../helpers/answers.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

// SPEC §7 against hostile bodies, through the real HTTP handler: every refusal
// is a bounded 400 naming line and field, and nothing of the batch is stored.

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW });
const url = await startTestServer(app);
const WS = "ws_hostile";
await createSmallWorkspace(db, { id: WS });
const key = (await createAccessKey(db, { workspaceId: WS, role: "admin" })).apiKey;

interface Reply {
  status: number;
  bytes: number;
  body: { error: string; message: string; problems?: string[]; moreProblems?: number; [k: string]: unknown };
}

async function post(path: string, body: string, contentType = "application/x-ndjson"): Promise<Reply> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": contentType },
    body,
  });
  const text = await res.text();
  return { status: res.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) };
}

const ndjson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join("\n");

async function storedRows() {
  return {
    directory: await db.prisma.directoryVersion.count({ where: { workspaceId: WS } }),
    usage: await db.prisma.usageRecord.count({ where: { workspaceId: WS } }),
  };
}

/** Posts a body that must be refused and checks nothing of it was stored. */
async function refused(body: string, contentType?: string): Promise<Reply> {
  const before = await storedRows();
  const reply = await post("/ingest", body, contentType);
  expect(reply.status, JSON.stringify(reply.body).slice(0, 500)).toBe(400);
  expect(await storedRows()).toEqual(before);
  return reply;
}

const message = (id: string, extra: Record<string, unknown> = {}) => ({
  type: "message",
  id,
  occurredAt: "2026-10-20T10:00:00Z",
  userId: "u1",
  surface: "chat",
  model: "gpt-4o",
  provider: "openai",
  source: "WEB",
  ...extra,
});
const user = (id: string, extra: Record<string, unknown> = {}) => ({ type: "user", id, name: "Hostile", ...extra });
const goodLine = (id: string) => JSON.stringify(user(id));

/** Text of exactly `bytes` random, incompressible ASCII. */
const randomText = (bytes: number) => randomBytes(bytes).toString("base64").slice(0, bytes);

describe("a body with 200,000 bad lines", () => {
  it("answers 400 with the first 100 problems, an exact count of the rest, in under 20 kB", async () => {
    const lines = Array.from({ length: 200_000 }, () => '{"type":"user","id":""}');
    const reply = await refused(lines.join("\n"));
    expect(reply.bytes).toBeLessThan(20_000);
    expect(reply.body.problems).toEqual(Array.from({ length: 100 }, (_, i) => `line ${i + 1}: id: must not be empty`));
    expect(reply.body.moreProblems).toBe(199_900);
    expect(reply.body.message).toMatch(/^line 1: id: must not be empty; line 2: /);
    expect(reply.body.message).toMatch(/; line 100: id: must not be empty; and 199900 more problems \(only the first 100 are listed\)$/);
    expect(Object.keys(reply.body).sort()).toEqual(["error", "message", "moreProblems", "problems"]);
  });

  it("counts every kind of bad record exactly, skipping good and blank lines, listing an unknown deployment in line order", async () => {
    const bad = ["1", '{"type":"invoice"}', '{"type":"message"}', JSON.stringify(message("m", { occurredAt: "0000-06-01T00:00:00Z" }))];
    const lines: string[] = [goodLine("g0"), "", JSON.stringify(message("dep-early", { deploymentId: "nope" }))];
    let expectedBad = 1;
    for (let i = 1; lines.length < 200_000; i++) {
      if (i % 5 === 4) lines.push(goodLine(`g${i}`));
      else if (i % 97 === 0) lines.push("");
      else {
        lines.push(bad[i % bad.length]!);
        expectedBad++;
      }
    }
    // A valid record naming an unknown deployment, long past the listed problems: still counted.
    lines.push(JSON.stringify(message("dep-late", { deploymentId: "nope" })));
    expectedBad++;
    const reply = await refused(lines.join("\n"));
    expect(reply.bytes).toBeLessThan(20_000);
    expect(reply.body.problems).toHaveLength(100);
    expect(reply.body.problems!.slice(0, 2)).toEqual([
      'line 3: deploymentId "nope" is not a known deployment of this workspace',
      'line 4: unknown record type "invoice"',
    ]);
    expect(reply.body.problems![2]).toMatch(/^line 5: id is required; occurredAt is required; /);
    expect(reply.body.problems!.slice(3, 5)).toEqual([
      "line 6: occurredAt: must be within years 1 to 9999 in UTC",
      'line 8: unknown record type "invoice"',
    ]);
    expect(reply.body.problems).toContain("line 11: record must be a JSON object");
    expect(reply.body.problems!.length + reply.body.moreProblems!).toBe(expectedBad);
  });

  it("answers as briefly for 200,000 lines that are not JSON, counting only those", async () => {
    const notJson = ["x", "{", '{"a":', "[1,2", '{"type":"user","id":"u"}}'];
    const lines: string[] = [];
    let expectedBad = 0;
    for (let i = 0; lines.length < 200_000; i++) {
      // Valid JSON but invalid records don't count here: a body with unparseable lines lists only those.
      if (i % 3 === 0) lines.push(i % 2 ? goodLine(`g${i}`) : '{"type":"invoice"}');
      else {
        lines.push(notJson[i % notJson.length]!);
        expectedBad++;
      }
    }
    const reply = await refused(lines.join("\n"));
    expect(reply.bytes).toBeLessThan(20_000);
    expect(reply.body.problems).toHaveLength(100);
    expect(reply.body.problems![0]).toBe("line 2: not valid JSON");
    expect(reply.body.problems!.every((p) => p.endsWith(": not valid JSON"))).toBe(true);
    expect(reply.body.moreProblems).toBe(expectedBad - 100);
  });

  it("answers as briefly for a JSON array of 200,000 bad records, naming records", async () => {
    const reply = await refused(`[${Array(200_000).fill("{}").join(",")}]`, "application/json");
    expect(reply.bytes).toBeLessThan(20_000);
    expect(reply.body.problems![99]).toBe("record 100: type is required");
    expect(reply.body.moreProblems).toBe(199_900);
  });

  it("cuts an echoed unknown type short", async () => {
    const reply = await refused(JSON.stringify({ type: "t".repeat(100_000) }));
    expect(reply.body.problems).toEqual([`line 1: unknown record type "${"t".repeat(39)}…`]);
  });
});

describe("values PostgreSQL cannot hold", () => {
  const threeKb = randomText(3_000);
  const cases: [string, Record<string, unknown>, string][] = [
    ["a year-0 occurredAt", message("m", { occurredAt: "0000-06-01T00:00:00Z" }), "occurredAt: must be within years 1 to 9999 in UTC"],
    ["a year-0 joinedAt", user("u", { joinedAt: "0000-06-01T00:00:00Z" }), "joinedAt: must be within years 1 to 9999 in UTC"],
    [
      "a removedAt an offset moves into year 10000",
      user("u", { removedAt: "9999-12-31T23:30:00-01:00" }),
      "removedAt: must be within years 1 to 9999 in UTC",
    ],
    ["a year-0 calendar joinedAt", user("u", { joinedAt: "0000-12-31" }), "joinedAt: must be within years 1 to 9999"],
    [
      "a five-digit-year calendar removedAt",
      user("u", { removedAt: "10000-01-01" }),
      "removedAt: must be a date (YYYY-MM-DD) or a date-time with an offset (2025-03-14T09:00:00Z)",
    ],
    ["a 30 February createdAt", { type: "agent", id: "a", createdAt: "2025-02-30" }, "createdAt: must be a real calendar date"],
    [
      "a 29 February deletedAt of a common year",
      { type: "project", id: "p", deletedAt: "2100-02-29" },
      "deletedAt: must be a real calendar date",
    ],
    [
      "a year-0 date-time createdAt",
      { type: "api_key", id: "k", createdAt: "0000-06-01T00:00:00Z" },
      "createdAt: must be within years 1 to 9999 in UTC",
    ],
    [
      "an effectiveAt an offset moves into year 0",
      { type: "agent", id: "a", effectiveAt: "0001-01-01T00:30:00+01:00" },
      "effectiveAt: must be within years 1 to 9999 in UTC",
    ],
    ["a lone high surrogate in an id", message("m\ud800"), "id: must not contain a lone UTF-16 surrogate"],
    ["a lone low surrogate in a name", user("u", { name: "a\udc00b" }), "name: must not contain a lone UTF-16 surrogate"],
    ["a lone surrogate in a model", message("m", { model: "gpt\ud83d" }), "model: must not contain a lone UTF-16 surrogate"],
    [
      "a lone surrogate in a deployment's provider",
      { type: "deployment", id: "d", provider: "\udfff" },
      "provider: must not contain a lone UTF-16 surrogate",
    ],
    ["a NUL in a department", user("u", { department: "a\u0000" }), "department: must not contain U+0000"],
    ["a 300-character id", message("x".repeat(300)), "id: must be at most 255 bytes in UTF-8"],
    ["a 3 kB random id", user(threeKb), "id: must be at most 255 bytes in UTF-8"],
    ["a 3 kB random userId", message("m", { userId: threeKb }), "userId: must be at most 255 bytes in UTF-8"],
    ["an 86-character userId of 258 UTF-8 bytes", message("m", { userId: "€".repeat(86) }), "userId: must be at most 255 bytes in UTF-8"],
    ["a 256-byte model", message("m", { model: randomText(256) }), "model: must be at most 255 bytes in UTF-8"],
    ["a 256-byte provider", message("m", { provider: randomText(256) }), "provider: must be at most 255 bytes in UTF-8"],
    ["a 256-byte source", message("m", { source: randomText(256) }), "source: must be at most 255 bytes in UTF-8"],
    ["a 256-byte action", message("m", { action: randomText(256) }), "action: must be at most 255 bytes in UTF-8"],
    ["a 256-byte conversationId", message("m", { conversationId: randomText(256) }), "conversationId: must be at most 255 bytes in UTF-8"],
    ["a 256-byte agentId", message("m", { surface: "agent", agentId: randomText(256) }), "agentId: must be at most 255 bytes in UTF-8"],
    [
      "a 256-byte apiKeyId",
      {
        type: "api_request",
        id: "r",
        occurredAt: "2026-10-20T10:00:00Z",
        apiKeyId: randomText(256),
        model: "m",
        provider: "p",
        source: "API",
      },
      "apiKeyId: must be at most 255 bytes in UTF-8",
    ],
    ["a 256-byte ownerId", { type: "project", id: "p", ownerId: randomText(256) }, "ownerId: must be at most 255 bytes in UTF-8"],
    ["a 1,001-character name", user("u", { name: "n".repeat(1_001) }), "name: must be at most 1000 characters"],
    [
      "a 10,001-character description",
      { type: "agent", id: "a", description: "d".repeat(10_001) },
      "description: must be at most 10000 characters",
    ],
  ];

  it.each(cases)("refuses %s with a 400 naming line and field, storing nothing", async (_name, record, reason) => {
    const reply = await refused(`${goodLine("ok")}\n${JSON.stringify(record)}\n`);
    const problem = `line 2: ${reason}`;
    expect(reply.body).toEqual({ error: "Bad Request", message: problem, problems: [problem], moreProblems: 0 });
  });

  it("accepts the first and last instants and dates of years 1 to 9999 and surrogate pairs", async () => {
    const reply = await post(
      "/ingest",
      ndjson([
        user("u-edge-1", { name: "😀 Edge", joinedAt: "0001-01-01T00:00:00Z", removedAt: "9999-12-31T23:59:59.999Z" }),
        user("u-edge-2", { joinedAt: "0001-01-01T01:00:00+01:00", removedAt: "9999-12-31T22:59:59.999-01:00" }),
        user("u-edge-3", { joinedAt: "0001-01-01", removedAt: "9999-12-31" }),
        { type: "deployment", id: "d-edge", createdAt: "0001-01-01", deletedAt: "9999-12-31T23:59:59.999Z" },
        message("m-edge-😀", { occurredAt: "9999-12-31T23:59:59.999Z" }),
        message("m-edge-0001", { occurredAt: "0001-01-01T00:00:00Z" }),
      ]),
    );
    expect(reply).toMatchObject({ status: 200, body: { accepted: 6, duplicates: 0 } });
    const stored = await db.prisma.usageRecord.findMany({
      where: { workspaceId: WS, id: { startsWith: "m-edge-" } },
      orderBy: { occurredAt: "asc" },
    });
    expect(stored.map((r) => [r.id, r.occurredAt.toISOString()])).toEqual([
      ["m-edge-0001", "0001-01-01T00:00:00.000Z"],
      ["m-edge-😀", "9999-12-31T23:59:59.999Z"],
    ]);
  });

  it(`stores a message whose every indexed field is ${MAX_KEY_BYTES} incompressible bytes`, async () => {
    // usage_daily's primary key holds eight of them in one btree row: the limit must keep it under 2,704 bytes.
    const [id, deploymentId, userId, agentId, projectId, action, model, provider, source, conversationId] = Array.from({ length: 10 }, () =>
      randomText(MAX_KEY_BYTES),
    );
    const body = ndjson([
      { type: "deployment", id: deploymentId, name: "Widest", model, provider },
      message(id!, { userId, surface: "agent", agentId, projectId, action, model, provider, source, conversationId, deploymentId }),
    ]);
    expect(await post("/ingest", body)).toMatchObject({ status: 200, body: { accepted: 2, duplicates: 0 } });
    expect(await db.prisma.usageDaily.count({ where: { workspaceId: WS, userId } })).toBe(1);
    expect(await db.prisma.usageDailyConversation.count({ where: { workspaceId: WS, conversationId } })).toBe(1);
  });
});

describe("after refusing hostile records", () => {
  const usersExport = () => post("/export/users", JSON.stringify(FIXTURE_PERIOD), "application/json");
  const userUsage = () =>
    graphql(
      url,
      key,
      `query($period: PeriodInput!) {
      userUsage(period: $period, first: 200) {
        __typename
        ... on AppError { code message }
        ... on QueryUserUsageSuccess { data { totalCount nodes { userId joinedAt } } }
      }
    }`,
      { period: FIXTURE_PERIOD },
    );

  it("still answers the users export and query, with the same users", async () => {
    const exportBefore = await usersExport();
    const queryBefore = await userUsage();
    expect(exportBefore.status).toBe(200);
    expect(queryBefore.body.errors).toBeUndefined();

    for (const record of [
      user("u-bad-1", { joinedAt: "0000-06-01T00:00:00Z" }),
      user("u-bad-2", { removedAt: "9999-12-31T23:30:00-01:00" }),
      user("u-bad-3", { name: "\ud800" }),
      user(randomText(3_000), { joinedAt: "2026-10-01T00:00:00Z" }),
    ])
      await refused(JSON.stringify(record));

    const exportAfter = await usersExport();
    expect(exportAfter.status).toBe(200);
    const exportedAfter = ExportAnswer.parse(exportAfter.body).data;
    expect(exportedAfter.recordCount).toBe(ExportAnswer.parse(exportBefore.body).data.recordCount);
    const queryAfter = await userUsage();
    expect(queryAfter.status).toBe(200);
    expect(queryAfter.body.errors).toBeUndefined();
    expect(queryAfter.body.data.userUsage).toEqual(queryBefore.body.data.userUsage);
    const csv = await readFile(join(app.exportDir, exportedAfter.filePath), "utf8");
    expect(csv).not.toContain("u-bad-");
  });
});
