import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/runtime/context.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startIngestServer } from "../helpers/http.ts";

const NOW = new Date("2024-06-15T10:00:00.000Z");
let app: AppContext;
let baseUrl: string;
let workspaceId: string;

/** handleIngest alone on a loopback port (authentication is the router's job, not tested here). */
beforeAll(async () => {
  const db = await testDatabase();
  workspaceId = `ws_${randomUUID()}`;
  await db.prisma.workspace.create({ data: { id: workspaceId, name: "HTTP ingestion" } });
  app = testApp(db, { now: NOW, env: { INGEST_BODY_LIMIT_BYTES: "400" } });
  baseUrl = await startIngestServer(app, workspaceId);
});

async function post(body: string, contentType?: string) {
  const res = await fetch(`${baseUrl}/ingest`, {
    method: "POST",
    headers: contentType ? { "content-type": contentType } : {},
    body,
  });
  const answer: unknown = await res.json();
  return { status: res.status, type: res.headers.get("content-type"), body: answer };
}

const msg = (id: string, extra = "") =>
  `{"type":"message","id":"${id}","occurredAt":"2024-06-01T12:00:00Z","userId":"u1","surface":"chat","model":"gpt-4o","provider":"openai","source":"WEB"${extra}}`;

describe("POST /ingest", () => {
  it("answers 200 with accepted and duplicates for an NDJSON body", async () => {
    const first = await post(`{"type":"user","id":"u1","name":"Ada"}\n${msg("h1")}\n`, "application/x-ndjson");
    expect(first).toEqual({ status: 200, type: "application/json; charset=utf-8", body: { accepted: 2, duplicates: 0 } });
    const again = await post(`${msg("h1")}\n${msg("h2")}`, "application/x-ndjson");
    expect(again.body).toEqual({ accepted: 1, duplicates: 1 });
  });

  it("accepts a JSON array", async () => {
    expect(await post(`[${msg("j1")},${msg("j2")}]`, "application/json")).toMatchObject({
      status: 200,
      body: { accepted: 2, duplicates: 0 },
    });
  });

  it("answers 400 naming each bad line, counting blank lines, and stores nothing", async () => {
    const before = await app.db.prisma.usageRecord.count({ where: { workspaceId } });
    const body = `${msg("b1")}\n\n{"type":"foo"}\n${msg("b2", ',"occurredAt":"later"')}`;
    expect(await post(body, "application/x-ndjson")).toEqual({
      status: 400,
      type: "application/json; charset=utf-8",
      body: {
        error: "Bad Request",
        message: 'line 3: unknown record type "foo"; line 4: occurredAt: must be an ISO 8601 date-time',
        problems: ['line 3: unknown record type "foo"', "line 4: occurredAt: must be an ISO 8601 date-time"],
        moreProblems: 0,
      },
    });
    expect(await app.db.prisma.usageRecord.count({ where: { workspaceId } })).toBe(before);
  });

  it("answers 400 for a line that is not JSON", async () => {
    expect(await post(`${msg("n1")}\n{oops`, "application/x-ndjson")).toEqual({
      status: 400,
      type: "application/json; charset=utf-8",
      body: { error: "Bad Request", message: "line 2: not valid JSON", problems: ["line 2: not valid JSON"], moreProblems: 0 },
    });
  });

  it("answers 400 for an unsupported content type", async () => {
    const res = await post(msg("c1"), "text/plain");
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: "Bad Request",
      message:
        'Content-Type "text/plain" is not supported: send application/x-ndjson (one record per line) or application/json (an array of records)',
    });
  });

  it("answers 400 for an empty body", async () => {
    expect((await post("", "application/x-ndjson")).body).toEqual({
      error: "Bad Request",
      message: "The request body holds no records",
    });
  });

  it("answers 413 for a body over the limit, storing nothing", async () => {
    const before = await app.db.prisma.usageRecord.count({ where: { workspaceId } });
    const body = [msg("big1"), msg("big2"), msg("big3")].join("\n");
    expect(Buffer.byteLength(body)).toBeGreaterThan(app.env.ingestBodyLimitBytes);
    expect(await post(body, "application/x-ndjson")).toEqual({
      status: 413,
      type: "application/json; charset=utf-8",
      body: { error: "Payload Too Large", message: "Request body is larger than the limit of 400 bytes" },
    });
    expect(await app.db.prisma.usageRecord.count({ where: { workspaceId } })).toBe(before);
  });
});
