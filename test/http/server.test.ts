import { describe, expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW });
const url = await startTestServer(app);
await createSmallWorkspace(db, { id: "ws_h", byok: true });
const exportKey = (await createAccessKey(db, { workspaceId: "ws_h", role: "export" })).apiKey;
const ingestKey = (await createAccessKey(db, { workspaceId: "ws_h", role: "ingest" })).apiKey;

async function post(path: string, key: string | null, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body,
  });
  return { status: res.status, body: await res.json(), cors: res.headers.get("access-control-allow-origin") };
}
const period = JSON.stringify(FIXTURE_PERIOD);

describe("REST export", () => {
  test("answers the seed's UsageExportResponse at the root and under /api/public", async () => {
    for (const prefix of ["", "/api/public"]) {
      const { status, body } = await post(`${prefix}/export/assistants`, exportKey, period);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        success: true,
        data: { dataType: "assistants", recordCount: 3, dateRange: { from: "2026-10-01T00:00:00.000Z", to: "2026-10-31T23:59:59.999Z" } },
      });
      expect(Object.keys(body.data).sort()).toEqual(["dataType", "dateRange", "downloadUrl", "filePath", "recordCount"]);
      expect(body.data.filePath).toMatch(/^assistants-usage\/ws_h\/assistants-usage-2026-10-01-2026-10-31-[0-9a-f]{8}\.csv$/);
    }
  });

  test("group_by is checked against the data type", async () => {
    expect(await post("/export/users", exportKey, JSON.stringify({ ...FIXTURE_PERIOD, group_by: "source" }))).toMatchObject({
      status: 400,
      body: { error: "Bad Request", message: 'group_by "source" is not valid for users (expected model)' },
    });
    expect(await post("/export/users", exportKey, JSON.stringify({ ...FIXTURE_PERIOD, group_by: 7 }))).toMatchObject({
      status: 400,
      body: { message: "group_by must be a string" },
    });
  });

  test("malformed JSON and a body that is not an object are 400s", async () => {
    const malformed = await post("/export/users", exportKey, "{nope");
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/^Malformed JSON body: /);
    expect(await post("/export/users", exportKey, "[]")).toMatchObject({
      status: 400,
      body: { message: "Request body must be a JSON object with from and to" },
    });
  });

  test("an unknown data type is a 404 naming the valid ones", async () => {
    expect(await post("/export/invoices", exportKey, period)).toMatchObject({
      status: 404,
      body: {
        error: "Not Found",
        message: 'Unknown export type "invoices": use one of users, agents, assistants, api_keys, projects, models, api-keys',
      },
    });
  });

  test("an ingest key may not export; an export key may not ingest", async () => {
    expect(await post("/export/users", ingestKey, period)).toMatchObject({
      status: 403,
      body: { message: 'This API key\'s role "ingest" may not export' },
    });
    expect(await post("/ingest", exportKey, "[]")).toMatchObject({
      status: 403,
      body: { message: 'This API key\'s role "export" may not ingest records' },
    });
  });

  test("a request from a browser origin is refused, and no CORS header is ever sent", async () => {
    const res = await post("/export/users", exportKey, period, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe(
      "Browser-origin requests are refused: call this API from a server, never from a web page, so your API key stays secret",
    );
    expect(res.cors).toBeNull();
  });

  test("GET on an export path and unknown paths are 404s", async () => {
    const get = await fetch(`${url}/export/users`);
    expect([get.status, await get.json()]).toEqual([404, { error: "Not Found", message: "GET /export/users is not supported; use POST" }]);
    const other = await fetch(`${url}/nowhere`);
    expect(await other.json()).toEqual({ error: "Not Found", message: "No route for GET /nowhere" });
  });
});

describe("ingestion over HTTP", () => {
  test("an ingest key sends NDJSON and gets { accepted, duplicates }", async () => {
    const line = JSON.stringify({
      type: "message",
      id: "h1",
      occurredAt: "2026-10-20T10:00:00Z",
      userId: "u3",
      surface: "chat",
      model: "gpt-4o",
      provider: "openai",
      source: "WEB",
    });
    const first = await post("/ingest", ingestKey, `${line}\n`, { "content-type": "application/x-ndjson" });
    expect(first).toMatchObject({ status: 200, body: { accepted: 1, duplicates: 0 } });
    const again = await post("/ingest", ingestKey, `${line}\n`, { "content-type": "application/x-ndjson" });
    expect(again).toMatchObject({ status: 200, body: { accepted: 0, duplicates: 1 } });
  });
});
