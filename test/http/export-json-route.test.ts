import { createServer } from "node:http";
import { afterAll, describe, expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { JSON_ROW_LIMIT, readJsonRows } from "../../src/exports/json-rows.ts";
import { handleExportJson } from "../../src/http/routes/export-json.ts";
import { sendError } from "../../src/http/shared/respond.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";
import { portOf } from "../helpers/port.ts";

// POST /export/{type}/json's own rules: the CSV route's errors, its rate limit
// budget, the `api-keys` alias, and the 413 past the row limit.

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW, env: { RATE_LIMIT_EXPORTS_PER_MINUTE: "3" } });
const url = await startTestServer(app);
await createSmallWorkspace(db, { id: "ws_a", byok: true });
await createSmallWorkspace(db, { id: "ws_b" });
const newKey = (role: "admin" | "export" | "ingest", workspaceId = "ws_a") => createAccessKey(db, { workspaceId, role });

const period = JSON.stringify(FIXTURE_PERIOD);
const post = async (path: string, key: string | null, body = period, headers: Record<string, string> = {}) => {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { ...headers, ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
  return { status: res.status, body: JSON.parse(await res.text()), headers: res.headers };
};

// The route with a limit of 2 on a loopback port (authentication is the router's job).
const auth = {
  key: await db.prisma.accessKey.findUniqueOrThrow({ where: { id: (await newKey("export")).id } }),
  workspace: await db.prisma.workspace.findUniqueOrThrow({ where: { id: "ws_a" } }),
};
const limited = createServer((req, res) => void handleExportJson(app, req, res, auth, "users", 2).catch((e) => sendError(res, e, app.log)));
await new Promise<void>((resolve) => limited.listen(0, "127.0.0.1", resolve));
afterAll(() => new Promise<void>((resolve) => limited.close(() => resolve())));
const limitedUrl = `http://127.0.0.1:${portOf(limited)}`;

describe("the CSV route's errors, on /json", () => {
  test("400 naming the field, 401, 403 for the role and for an Origin header, 404 without usage or for an unknown type", async () => {
    // A new key per request: every request, refused or not, spends the key's budget.
    const key = async () => (await newKey("export")).apiKey;
    const bad = await post("/export/users/json", await key(), JSON.stringify({ ...FIXTURE_PERIOD, group_by: "source" }));
    expect([bad.status, bad.body]).toEqual([
      400,
      { error: "Bad Request", message: 'group_by "source" is not valid for users (expected model)' },
    ]);
    const projects = await post("/export/projects/json", await key(), JSON.stringify({ ...FIXTURE_PERIOD, group_by: "model" }));
    expect(projects.body).toEqual({ error: "Bad Request", message: "group_by is not available for projects" });
    const noTo = await post("/export/users/json", await key(), JSON.stringify({ from: FIXTURE_PERIOD.from }));
    expect(noTo.status).toBe(400);
    expect(noTo.body.message).toMatch(/^to /);
    expect((await post("/export/users/json", null)).status).toBe(401);
    const ingestKey = (await newKey("ingest")).apiKey;
    expect(await post("/export/users/json", ingestKey)).toMatchObject({
      status: 403,
      body: { error: "Forbidden", message: 'This API key\'s role "ingest" may not export' },
    });
    const origin = await post("/export/users/json", await key(), period, { origin: "https://app.example" });
    expect([origin.status, origin.body.message]).toEqual([403, expect.stringMatching(/^Browser-origin requests are refused/)]);
    const empty = JSON.stringify({ from: { date: "2026-06-01", timezone: "UTC" }, to: { date: "2026-06-30", timezone: "UTC" } });
    expect(await post("/export/models/json", await key(), empty)).toMatchObject({
      status: 404,
      body: { error: "No data found", message: "No usage data found for the selected period" },
    });
    expect(await post("/export/invoices/json", await key())).toMatchObject({
      status: 404,
      body: {
        error: "Not Found",
        message: 'Unknown export type "invoices": use one of users, agents, assistants, api_keys, projects, models, api-keys',
      },
    });
    const tooBig = await post("/export/users/json", await key(), JSON.stringify({ ...FIXTURE_PERIOD, padding: "x".repeat(16 * 1024) }));
    expect([tooBig.status, tooBig.body.message]).toEqual([413, "Request body is larger than the limit of 16384 bytes"]);
  });

  test("GET is not a route", async () => {
    const res = await fetch(`${url}/export/users/json`);
    expect([res.status, await res.json()]).toEqual([
      404,
      { error: "Not Found", message: "GET /export/users/json is not supported; use POST" },
    ]);
  });

  test("JSON rows and files share the key's export budget (3 a minute here)", async () => {
    const key = (await newKey("export")).apiKey;
    expect((await post("/export/models/json", key)).status).toBe(200);
    expect((await post("/export/models", key)).status).toBe(200);
    expect((await post("/api/public/export/models/json", key)).status).toBe(200);
    const limited = await post("/export/models/json", key);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe("Too Many Requests");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("the api-keys alias", () => {
  test("a file named api-keys-usage/… answered as api-keys, with api_keys' rows, downloadable", async () => {
    const key = (await newKey("admin")).apiKey;
    const alias = await post("/api/public/export/api-keys", key);
    expect(alias.status).toBe(200);
    expect(alias.body.data.dataType).toBe("api-keys");
    expect(alias.body.data.filePath).toMatch(/^api-keys-usage\/ws_a\/api-keys-usage-2026-10-01-2026-10-31-[0-9a-f]{8}\.csv$/);
    const canonical = await post("/export/api_keys", key);
    const link = new URL(alias.body.data.downloadUrl);
    const file = await fetch(`${url}${link.pathname}${link.search}`);
    expect(file.status).toBe(200);
    const canonicalLink = new URL(canonical.body.data.downloadUrl);
    expect(await file.text()).toBe(await (await fetch(`${url}${canonicalLink.pathname}${canonicalLink.search}`)).text());
  });
});

describe("the row limit", () => {
  test(`is ${JSON_ROW_LIMIT} rows`, () => {
    expect(JSON_ROW_LIMIT).toBe(10_000);
  });

  test("past it, 413 naming the CSV route and async jobs", async () => {
    // ws_a's October has three users.
    const res = await fetch(limitedUrl, { method: "POST", body: period });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: "Payload Too Large",
      message:
        "This export has more than 2 rows, the most a JSON answer carries: request it as a file with POST /export/users " +
        '(CSV, or Parquet with "format": "parquet"), or as an async job (header Prefer: respond-async)',
    });
  });

  test("at it, the rows; and the cursor a 413 left is closed (the next read works)", async () => {
    const request = {
      workspaceId: "ws_a",
      dataType: "projects" as const,
      period: resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW),
    };
    expect((await readJsonRows(app, request, 2)).recordCount).toBe(2);
    await expect(readJsonRows(app, request, 1)).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE", status: 413 });
    expect((await readJsonRows(app, { ...request, dataType: "models" })).recordCount).toBe(4);
  });
});
