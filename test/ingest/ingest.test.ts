import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/client.ts";
import { AppError } from "../../src/errors/app-error.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { testDatabase } from "../helpers/database.ts";
import { expectInstanceOf } from "../helpers/expect.ts";

let db: Database;
beforeAll(async () => {
  db = await testDatabase();
});

const NOW = new Date("2024-06-15T10:00:00.000Z");

/** A workspace of its own for each test, so counts never leak between tests. */
async function workspace(): Promise<string> {
  const id = `ws_${randomUUID()}`;
  await db.prisma.workspace.create({ data: { id, name: "Test workspace" } });
  return id;
}

const message = (id: string, extra: Record<string, unknown> = {}) => ({
  type: "message",
  id,
  occurredAt: "2024-06-01T12:00:00Z",
  userId: "u1",
  surface: "chat",
  model: "gpt-4o",
  provider: "openai",
  source: "WEB",
  ...extra,
});

const apiRequest = (id: string, extra: Record<string, unknown> = {}) => ({
  type: "api_request",
  id,
  occurredAt: "2024-06-01T12:00:00Z",
  apiKeyId: "k1",
  model: "gpt-4o",
  provider: "openai",
  source: "API",
  ...extra,
});

/** The problems of the 400 an ingestion is refused with. */
async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  const appError = expectInstanceOf(error, AppError);
  expect(appError.code).toBe("BAD_REQUEST");
  return appError.problems;
}

async function rowCounts(workspaceId: string) {
  return {
    directory: await db.prisma.directoryVersion.count({ where: { workspaceId } }),
    usage: await db.prisma.usageRecord.count({ where: { workspaceId } }),
  };
}

async function versions(workspaceId: string, entityId: string) {
  return db.prisma.directoryVersion.findMany({
    where: { workspaceId, entityId },
    orderBy: { effectiveAt: "asc" },
    select: { kind: true, effectiveAt: true, attrs: true },
  });
}

describe("directory records", () => {
  it("stores a user with every attribute under the fixed key names", async () => {
    const ws = await workspace();
    const result = await ingestRecords(
      db,
      ws,
      [
        {
          type: "user",
          id: "u1",
          name: "Ada Lovelace",
          email: "ada@example.com",
          role: "admin",
          department: "Engineering",
          companyName: "Acme",
          licenseType: "pro",
          paygLimit: 50.5,
          joinedAt: "2024-01-02T03:04:05+02:00",
          removedAt: "2024-07-01T00:00:00Z",
          effectiveAt: "2024-01-01T00:00:00Z",
          ignoredExtraField: "x",
        },
      ],
      { now: NOW },
    );
    expect(result).toEqual({ accepted: 1, duplicates: 0 });
    expect(await versions(ws, "u1")).toEqual([
      {
        kind: "user",
        effectiveAt: new Date("2024-01-01T00:00:00Z"),
        attrs: {
          name: "Ada Lovelace",
          email: "ada@example.com",
          role: "admin",
          department: "Engineering",
          companyName: "Acme",
          licenseType: "pro",
          paygLimit: 50.5,
          joinedAt: "2024-01-02T01:04:05.000Z",
          removedAt: "2024-07-01T00:00:00.000Z",
        },
      },
    ]);
  });

  it("stores absent optional user attributes as null and takes effect when received", async () => {
    const ws = await workspace();
    await ingestRecords(db, ws, [{ type: "user", id: "u2", email: "bo@example.com" }], { now: NOW });
    expect(await versions(ws, "u2")).toEqual([
      {
        kind: "user",
        effectiveAt: NOW,
        attrs: {
          name: null,
          email: "bo@example.com",
          role: null,
          department: null,
          companyName: null,
          licenseType: null,
          paygLimit: null,
          joinedAt: null,
          removedAt: null,
        },
      },
    ]);
  });

  it("stores agents, projects, API keys and deployments with exactly their attributes", async () => {
    const ws = await workspace();
    const effectiveAt = "2024-01-01T00:00:00.000Z";
    const result = await ingestRecords(
      db,
      ws,
      [
        { type: "agent", id: "a1", name: "Helper", description: "Answers", url: "https://x.test/a1", ownerId: "u1", effectiveAt },
        { type: "agent", id: "a2", name: "Bare", effectiveAt },
        { type: "project", id: "p1", name: "Launch", ownerId: "u1", effectiveAt },
        { type: "api_key", id: "k1", name: "CI key", effectiveAt },
        { type: "deployment", id: "d1", name: "Azure EU", model: "gpt-4o-2024-08-06", provider: "openai", effectiveAt },
      ],
      { now: NOW },
    );
    expect(result).toEqual({ accepted: 5, duplicates: 0 });
    const rows = await db.prisma.directoryVersion.findMany({
      where: { workspaceId: ws },
      orderBy: [{ kind: "asc" }, { entityId: "asc" }],
      select: { kind: true, entityId: true, attrs: true },
    });
    expect(rows).toEqual([
      { kind: "agent", entityId: "a1", attrs: { name: "Helper", description: "Answers", url: "https://x.test/a1", ownerId: "u1" } },
      { kind: "agent", entityId: "a2", attrs: { name: "Bare", description: null, url: null, ownerId: null } },
      { kind: "project", entityId: "p1", attrs: { name: "Launch", ownerId: "u1" } },
      { kind: "api_key", entityId: "k1", attrs: { name: "CI key" } },
      { kind: "deployment", entityId: "d1", attrs: { name: "Azure EU", model: "gpt-4o-2024-08-06", provider: "openai" } },
    ]);
  });

  it("keeps attribute history when a record is re-sent with a new effectiveAt", async () => {
    const ws = await workspace();
    const first = await ingestRecords(db, ws, [{ type: "project", id: "p1", name: "Old", effectiveAt: "2024-01-01T00:00:00Z" }]);
    const second = await ingestRecords(db, ws, [{ type: "project", id: "p1", name: "New", effectiveAt: "2024-03-01T00:00:00Z" }]);
    expect([first, second]).toEqual([
      { accepted: 1, duplicates: 0 },
      { accepted: 1, duplicates: 0 },
    ]);
    expect(await versions(ws, "p1")).toEqual([
      { kind: "project", effectiveAt: new Date("2024-01-01T00:00:00Z"), attrs: { name: "Old", ownerId: null } },
      { kind: "project", effectiveAt: new Date("2024-03-01T00:00:00Z"), attrs: { name: "New", ownerId: null } },
    ]);
  });

  it("updates the version in place when a record is re-sent with the same effectiveAt", async () => {
    const ws = await workspace();
    await ingestRecords(db, ws, [{ type: "api_key", id: "k1", name: "Old", effectiveAt: "2024-01-01T00:00:00Z" }]);
    // The same instant written with an offset is the same version.
    const result = await ingestRecords(db, ws, [{ type: "api_key", id: "k1", name: "New", effectiveAt: "2024-01-01T01:00:00+01:00" }]);
    expect(result).toEqual({ accepted: 1, duplicates: 0 });
    expect(await versions(ws, "k1")).toEqual([{ kind: "api_key", effectiveAt: new Date("2024-01-01T00:00:00Z"), attrs: { name: "New" } }]);
  });

  it("lets the last of two records for the same version in one request win", async () => {
    const ws = await workspace();
    const result = await ingestRecords(
      db,
      ws,
      [
        { type: "api_key", id: "k1", name: "First" },
        { type: "api_key", id: "k1", name: "Second" },
      ],
      { now: NOW },
    );
    expect(result).toEqual({ accepted: 2, duplicates: 0 });
    expect(await versions(ws, "k1")).toEqual([{ kind: "api_key", effectiveAt: NOW, attrs: { name: "Second" } }]);
  });

  it("keeps the same entity id apart across kinds and workspaces", async () => {
    const ws1 = await workspace();
    const ws2 = await workspace();
    await ingestRecords(db, ws1, [
      { type: "agent", id: "x1", name: "Agent" },
      { type: "project", id: "x1", name: "Project" },
    ]);
    await ingestRecords(db, ws2, [{ type: "agent", id: "x1", name: "Other" }]);
    expect((await versions(ws1, "x1")).map((v) => v.kind).sort()).toEqual(["agent", "project"]);
    expect((await versions(ws2, "x1")).map((v) => v.attrs)).toEqual([{ name: "Other", description: null, url: null, ownerId: null }]);
  });
});

describe("usage records", () => {
  it("stores a message with every field mapped and its model normalized", async () => {
    const ws = await workspace();
    const result = await ingestRecords(
      db,
      ws,
      [
        { type: "deployment", id: "d1", name: "Azure EU", model: "gpt-4o", provider: "openai" },
        message("m1", {
          occurredAt: "2024-06-01T14:00:00.123+02:00",
          surface: "agent",
          agentId: "a1",
          projectId: "p1",
          conversationId: "c1",
          action: "web_search",
          model: "gpt-4o-2024-08-06",
          deploymentId: "d1",
          promptTokens: 100,
          completionTokens: 20,
          cachedPromptTokens: 30,
          cacheCreationTokens: 5,
          costUsd: 0.001234567,
          paygCostUsd: "12.5",
        }),
      ],
      { now: NOW },
    );
    expect(result).toEqual({ accepted: 2, duplicates: 0 });
    const row = await db.prisma.usageRecord.findFirstOrThrow({ where: { workspaceId: ws } });
    expect({ ...row, costUsd: row.costUsd.toFixed(9), paygCostUsd: row.paygCostUsd.toFixed(9) }).toEqual({
      workspaceId: ws,
      kind: "message",
      id: "m1",
      occurredAt: new Date("2024-06-01T12:00:00.123Z"),
      userId: "u1",
      apiKeyId: null,
      surface: "agent",
      agentId: "a1",
      projectId: "p1",
      conversationId: "c1",
      action: "web_search",
      model: "gpt-4o",
      modelRaw: "gpt-4o-2024-08-06",
      provider: "openai",
      source: "WEB",
      deploymentId: "d1",
      promptTokens: 100,
      completionTokens: 20,
      cachedPromptTokens: 30,
      cacheCreationTokens: 5,
      costUsd: "0.001234567",
      paygCostUsd: "12.500000000",
      receivedAt: NOW,
    });
  });

  it("stores an API request with zero tokens and costs by default", async () => {
    const ws = await workspace();
    const result = await ingestRecords(db, ws, [apiRequest("r1", { model: "claude-sonnet-4-20250514", provider: "anthropic" })], {
      now: NOW,
    });
    expect(result).toEqual({ accepted: 1, duplicates: 0 });
    const row = await db.prisma.usageRecord.findFirstOrThrow({ where: { workspaceId: ws } });
    expect({ ...row, costUsd: row.costUsd.toFixed(9), paygCostUsd: row.paygCostUsd.toFixed(9) }).toEqual({
      workspaceId: ws,
      kind: "api_request",
      id: "r1",
      occurredAt: new Date("2024-06-01T12:00:00Z"),
      userId: null,
      apiKeyId: "k1",
      surface: null,
      agentId: null,
      projectId: null,
      conversationId: null,
      action: null,
      model: "claude-sonnet-4",
      modelRaw: "claude-sonnet-4-20250514",
      provider: "anthropic",
      source: "API",
      deploymentId: null,
      promptTokens: 0,
      completionTokens: 0,
      cachedPromptTokens: 0,
      cacheCreationTokens: 0,
      costUsd: "0.000000000",
      paygCostUsd: "0.000000000",
      receivedAt: NOW,
    });
  });

  it("stores costs exactly, whether sent as tiny JSON numbers or as decimal strings", async () => {
    const ws = await workspace();
    await ingestRecords(db, ws, [
      message("m1", { costUsd: 1.5e-8, paygCostUsd: "99999999999.999999999" }),
      message("m2", { costUsd: "0.1", paygCostUsd: 0.3 }),
    ]);
    const rows = await db.prisma.usageRecord.findMany({ where: { workspaceId: ws }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.costUsd.toFixed(9), r.paygCostUsd.toFixed(9)])).toEqual([
      ["0.000000015", "99999999999.999999999"],
      ["0.100000000", "0.300000000"],
    ]);
  });

  it("stores a re-sent usage record once and counts it as a duplicate", async () => {
    const ws = await workspace();
    const first = await ingestRecords(db, ws, [message("m1"), message("m2"), apiRequest("r1")]);
    const again = await ingestRecords(db, ws, [message("m1", { promptTokens: 999 }), message("m2"), apiRequest("r1"), message("m3")]);
    expect(first).toEqual({ accepted: 3, duplicates: 0 });
    expect(again).toEqual({ accepted: 1, duplicates: 3 });
    expect(await rowCounts(ws)).toEqual({ directory: 0, usage: 4 });
    // The first version of a usage record stands.
    expect((await db.prisma.usageRecord.findFirstOrThrow({ where: { workspaceId: ws, id: "m1" } })).promptTokens).toBe(0);
  });

  it("counts an id repeated within one request as a duplicate", async () => {
    const ws = await workspace();
    const result = await ingestRecords(db, ws, [message("m1"), message("m1"), message("m2"), message("m1")]);
    expect(result).toEqual({ accepted: 2, duplicates: 2 });
    expect(await rowCounts(ws)).toEqual({ directory: 0, usage: 2 });
  });

  it("keeps a message and an API request with the same id apart, and ids apart across workspaces", async () => {
    const ws1 = await workspace();
    const ws2 = await workspace();
    expect(await ingestRecords(db, ws1, [message("same"), apiRequest("same")])).toEqual({ accepted: 2, duplicates: 0 });
    expect(await ingestRecords(db, ws2, [message("same")])).toEqual({ accepted: 1, duplicates: 0 });
  });

  it("counts directory records as accepted alongside new usage and duplicates", async () => {
    const ws = await workspace();
    await ingestRecords(db, ws, [message("m1")]);
    const result = await ingestRecords(db, ws, [{ type: "user", id: "u1", name: "Ada" }, message("m1"), message("m2")]);
    expect(result).toEqual({ accepted: 2, duplicates: 1 });
  });

  it("stores a large batch in chunks within one request", async () => {
    const ws = await workspace();
    const batch = Array.from({ length: 6_000 }, (_, i) => message(`m${i}`, { promptTokens: i }));
    expect(await ingestRecords(db, ws, batch)).toEqual({ accepted: 6_000, duplicates: 0 });
    expect(await ingestRecords(db, ws, batch)).toEqual({ accepted: 0, duplicates: 6_000 });
    expect(await rowCounts(ws)).toEqual({ directory: 0, usage: 6_000 });
  });
});

describe("deployments named by usage records", () => {
  it("refuses a deploymentId the workspace does not know", async () => {
    const ws = await workspace();
    const other = await workspace();
    await ingestRecords(db, other, [{ type: "deployment", id: "d-other", name: "Elsewhere" }]);
    const problems = await problemsOf(
      ingestRecords(db, ws, [message("m1", { deploymentId: "d-missing" }), apiRequest("r1", { deploymentId: "d-other" })], {
        label: (i) => `line ${i + 1}`,
      }),
    );
    expect(problems).toEqual([
      'line 1: deploymentId "d-missing" is not a known deployment of this workspace',
      'line 2: deploymentId "d-other" is not a known deployment of this workspace',
    ]);
    expect(await rowCounts(ws)).toEqual({ directory: 0, usage: 0 });
  });

  it("accepts a deployment sent later in the same request", async () => {
    const ws = await workspace();
    const result = await ingestRecords(db, ws, [
      message("m1", { deploymentId: "d1" }),
      { type: "deployment", id: "d1", name: "Azure EU", model: "gpt-4o", provider: "openai" },
    ]);
    expect(result).toEqual({ accepted: 2, duplicates: 0 });
  });

  it("accepts a deployment stored by an earlier request", async () => {
    const ws = await workspace();
    await ingestRecords(db, ws, [{ type: "deployment", id: "d1", name: "Azure EU" }]);
    expect(await ingestRecords(db, ws, [apiRequest("r1", { deploymentId: "d1" })])).toEqual({ accepted: 1, duplicates: 0 });
  });
});

describe("validation", () => {
  const cases: [string, unknown, string][] = [
    ["an occurredAt that is not a date", message("m", { occurredAt: "yesterday" }), "occurredAt: must be an ISO 8601 date-time"],
    ["an occurredAt without offset or Z", message("m", { occurredAt: "2024-06-01T12:00:00" }), "occurredAt: must be an ISO 8601 date-time"],
    ["an impossible calendar date", message("m", { occurredAt: "2024-02-30T00:00:00Z" }), "occurredAt: must be an ISO 8601 date-time"],
    ["a missing occurredAt", message("m", { occurredAt: undefined }), "occurredAt is required"],
    ["an unknown record type", { type: "foo", id: "x" }, 'unknown record type "foo"'],
    ["a record without a type", { id: "x" }, "type is required"],
    ["a record that is not an object", [1, 2], "record must be a JSON object"],
    ["an agent message without agentId", message("m", { surface: "agent" }), 'agentId is required when surface is "agent"'],
    [
      "a project message without projectId",
      message("m", { surface: "project", projectId: null }),
      'projectId is required when surface is "project"',
    ],
    ["an unknown surface", message("m", { surface: "email" }), 'surface: must be "chat", "agent" or "project"'],
    ["a message without userId", message("m", { userId: undefined }), "userId is required"],
    ["an API request without apiKeyId", apiRequest("r", { apiKeyId: null }), "apiKeyId is required"],
    ["an empty id", message(""), "id: must not be empty"],
    ["an id that is a number", message("m", { id: 42 }), "id: must be a string"],
    ["a NUL character in a text", { type: "user", id: "u", name: "a\u0000b" }, "name: must not contain U+0000"],
    ["negative tokens", message("m", { promptTokens: -1 }), "promptTokens: must be a non-negative integer"],
    ["fractional tokens", message("m", { completionTokens: 1.5 }), "completionTokens: must be a non-negative integer"],
    ["tokens as a string", message("m", { cachedPromptTokens: "5" }), "cachedPromptTokens: must be a non-negative integer"],
    ["tokens beyond the integer range", message("m", { cacheCreationTokens: 2 ** 31 }), "cacheCreationTokens: must be at most 2147483647"],
    ["a negative cost", message("m", { costUsd: -0.5 }), "costUsd: must be a non-negative number"],
    ["a cost string that is not a number", message("m", { paygCostUsd: "1,50" }), "paygCostUsd: must be a non-negative number"],
    ["a cost with ten decimals", message("m", { costUsd: 0.0000000001 }), "costUsd: must have at most 9 decimals"],
    ["a cost string with ten decimals", message("m", { costUsd: "1.0000000001" }), "costUsd: must have at most 9 decimals"],
    ["a cost beyond the column's range", message("m", { costUsd: 1e11 }), "costUsd: must be less than 100000000000"],
    ["a huge cost number", message("m", { paygCostUsd: 1e21 }), "paygCostUsd: must be less than 100000000000"],
    ["a cost string with twelve integer digits", message("m", { costUsd: "100000000000" }), "costUsd: must be less than 100000000000"],
    ["a cost that is not finite JSON", message("m", { costUsd: true }), "costUsd: must be a non-negative number"],
    ["a paygLimit that is text", { type: "user", id: "u", paygLimit: "50" }, "paygLimit: must be a non-negative number or null"],
    [
      "a removedAt that is not a date",
      { type: "user", id: "u", removedAt: "soon" },
      "removedAt: must be a date (YYYY-MM-DD) or a date-time with an offset (2025-03-14T09:00:00Z)",
    ],
    [
      "an effectiveAt that is not a date",
      { type: "agent", id: "a", effectiveAt: 1717243200 },
      "effectiveAt: must be an ISO 8601 date-time",
    ],
    ["a name that is not text", { type: "deployment", id: "d", name: 7 }, "name: must be a string or null"],
  ];

  it.each(cases)("refuses %s, naming the field", async (_name, record, reason) => {
    const ws = await workspace();
    expect(await problemsOf(ingestRecords(db, ws, [record]))).toEqual([`record 1: ${reason}`]);
  });

  it("lists every problem of one record in one entry", async () => {
    const ws = await workspace();
    const problems = await problemsOf(
      ingestRecords(db, ws, [{ type: "message", id: "m", occurredAt: "nope", surface: "agent", promptTokens: -2 }]),
    );
    expect(problems).toEqual([
      "record 1: occurredAt: must be an ISO 8601 date-time; model is required; provider is required; source is required; " +
        'promptTokens: must be a non-negative integer; userId is required; agentId is required when surface is "agent"',
    ]);
  });

  it("lists one entry per bad record, in order, under the caller's labels", async () => {
    const ws = await workspace();
    const problems = await problemsOf(
      ingestRecords(db, ws, [message("ok"), { type: "foo" }, message("m", { surface: "agent" }), message("m2", { deploymentId: "nope" })], {
        label: (i) => `line ${2 * i + 1}`,
      }),
    );
    expect(problems).toEqual([
      'line 3: unknown record type "foo"',
      'line 5: agentId is required when surface is "agent"',
      'line 7: deploymentId "nope" is not a known deployment of this workspace',
    ]);
  });
});

describe("atomicity", () => {
  it("stores nothing when one record among good ones is invalid", async () => {
    const ws = await workspace();
    const records = [
      { type: "user", id: "u1", name: "Ada" },
      { type: "deployment", id: "d1", name: "Azure EU" },
      message("m1", { deploymentId: "d1" }),
      message("m2", { occurredAt: "not a date" }),
      apiRequest("r1"),
    ];
    expect(await problemsOf(ingestRecords(db, ws, records))).toEqual(["record 4: occurredAt: must be an ISO 8601 date-time"]);
    expect(await rowCounts(ws)).toEqual({ directory: 0, usage: 0 });
  });

  it("rolls back the directory writes when the database fails part-way", async () => {
    const ws = await workspace();
    // A real failure inside the transaction, after the directory rows are written.
    await db.withRawSession((s) =>
      s.exec(`
        create function refuse_boom() returns trigger language plpgsql as $$
        begin
          if new.id = 'boom' then raise exception 'refused by test trigger'; end if;
          return new;
        end $$;
        create trigger refuse_boom before insert on usage_records for each row execute function refuse_boom();`),
    );
    try {
      // (PGlite's adapter does not pass the trigger's message on, so only the failure is asserted.)
      await expect(ingestRecords(db, ws, [{ type: "user", id: "u1" }, message("m1"), message("boom")])).rejects.toThrow();
      expect(await rowCounts(ws)).toEqual({ directory: 0, usage: 0 });
    } finally {
      await db.withRawSession((s) => s.exec("drop trigger refuse_boom on usage_records; drop function refuse_boom();"));
    }
  });
});
