import { expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";

const db = await testDatabase();
const url = await startTestServer(
  testApp(db, { now: FIXTURE_NOW, env: { RATE_LIMIT_EXPORTS_PER_MINUTE: "2", RATE_LIMIT_INGEST_PER_MINUTE: "1" } }),
);
await createSmallWorkspace(db, { id: "ws_r" });
const key = async (role: "export" | "ingest") => (await createAccessKey(db, { workspaceId: "ws_r", role })).apiKey;

const post = (path: string, apiKey: string, body: string, type = "application/json") =>
  fetch(`${url}${path}`, { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": type }, body });

test("each key has its own budget of exports per minute; past it, 429 with Retry-After", async () => {
  const first = await key("export");
  const body = JSON.stringify(FIXTURE_PERIOD);
  expect((await post("/export/users", first, body)).status).toBe(200);
  expect((await post("/api/public/export/models", first, body)).status).toBe(200);
  const limited = await post("/export/users", first, body);
  expect(limited.status).toBe(429);
  const retryAfter = Number(limited.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(await limited.json()).toEqual({
    error: "Too Many Requests",
    message: `Rate limit of 2 export requests per minute exceeded for this API key; retry after ${retryAfter} seconds`,
  });
  // Another key of the same workspace is not affected.
  expect((await post("/export/users", await key("export"), body)).status).toBe(200);
});

test("ingestion has its own limit", async () => {
  const ingest = await key("ingest");
  const line = JSON.stringify({ type: "api_key", id: "k9", name: "x" });
  expect((await post("/ingest", ingest, line, "application/x-ndjson")).status).toBe(200);
  const limited = await post("/ingest", ingest, line, "application/x-ndjson");
  expect(limited.status).toBe(429);
  expect((await limited.json()).message).toMatch(
    /^Rate limit of 1 ingest requests per minute exceeded for this API key; retry after \d+ seconds$/,
  );
});
