import type { Server } from "node:http";
import { afterAll, describe, expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import type { Database } from "../../src/db/client.ts";
import { listenOperations } from "../../src/http/operations-server.ts";
import { observeDatabase } from "../../src/metrics/database-gauges.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { ExportAnswer } from "../helpers/answers.ts";
import { graphql, startTestServer } from "../helpers/http.ts";
import { portOf } from "../helpers/port.ts";
import { labelValues, sample, scrape } from "../helpers/prometheus.ts";

const TOKEN = "metrics-token-0123456789";
const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW, env: { METRICS_TOKEN: TOKEN, PORT: "0" } });
observeDatabase(db);
let draining = false;
const url = await startTestServer(app, { lifecycle: { draining: () => draining } });
await createSmallWorkspace(db, { id: "ws_m", byok: true });
const ingestKey = await createAccessKey(db, { workspaceId: "ws_m", role: "ingest" });
const exportKey = await createAccessKey(db, { workspaceId: "ws_m", role: "export" });

const line = (id: string) =>
  `{"type":"message","id":"metrics-${id}","occurredAt":"2026-10-20T12:00:00Z","userId":"u1","surface":"chat","model":"gpt-4o","provider":"openai","source":"WEB"}`;
const ingest = (body: string) =>
  fetch(`${url}/ingest`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${ingestKey.apiKey}` },
    body,
  });
const MODELS = `query($p: PeriodInput!) { modelUsage(period: $p) { ... on QueryModelUsageSuccess { data { totalCount } } } }`;

describe("GET /metrics on the service's port", () => {
  test("is not served without METRICS_TOKEN, and says which setting serves it", async () => {
    const bare = await startTestServer(testApp(db, { now: FIXTURE_NOW }));
    const res = await fetch(`${bare}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: "Not Found",
      message: "/metrics is not served on this port: set METRICS_TOKEN, or METRICS_PORT for a separate port",
    });
  });

  test("answers 401 without the bearer token or with another one", async () => {
    const refused: Record<string, string>[] = [
      {},
      { authorization: "Bearer metrics-token-wrong-0000" },
      { authorization: `Basic ${TOKEN}` },
    ];
    for (const headers of refused) {
      const res = await fetch(`${url}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect((await res.json()).message).toBe("GET /metrics needs the header Authorization: Bearer <METRICS_TOKEN>");
    }
  });

  test("parses as Prometheus text and counts this server's requests, ingestion and cache lookups exactly", async () => {
    const before = await scrape(`${url}/metrics`, TOKEN);
    expect((await ingest([line("m1"), line("m2"), line("m3")].join("\n"))).status).toBe(200);
    expect((await ingest([line("m3"), line("m4")].join("\n"))).status).toBe(200);
    // Two lines that are not JSON: the batch is refused at parsing, each line named.
    expect((await ingest([line("m5"), "{nope", "[1"].join("\n"))).status).toBe(400);
    // Twice the same document, then another (an alias) over the same rows.
    for (const query of [MODELS, MODELS, MODELS.replace("modelUsage(", "again: modelUsage(")])
      expect((await graphql(url, exportKey.apiKey, query, { p: FIXTURE_PERIOD })).status).toBe(200);
    const exported = await fetch(`${url}/export/models`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${exportKey.apiKey}` },
      body: JSON.stringify(FIXTURE_PERIOD),
    });
    const { data } = ExportAnswer.parse(await exported.json());
    const bytes = (await (await fetch(data.downloadUrl.replace("http://exports.test", url))).arrayBuffer()).byteLength;
    const after = await scrape(`${url}/metrics`, TOKEN);

    const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta("usage_ingest_records_total", { outcome: "accepted" })).toBe(4);
    expect(delta("usage_ingest_records_total", { outcome: "duplicate" })).toBe(1);
    expect(delta("usage_ingest_batches_total", { outcome: "stored" })).toBe(2);
    expect(delta("usage_ingest_batches_total", { outcome: "refused" })).toBe(1);
    expect(delta("usage_ingest_rejected_records_total")).toBe(2);
    const file = { data_type: "models", format: "csv" };
    expect(delta("usage_export_rows_total", file)).toBe(data.recordCount);
    expect(delta("usage_export_bytes_total", file)).toBe(bytes);
    expect(delta("usage_export_duration_seconds", file)).toBe(1);
    expect(delta("http_request_duration_seconds", { route: "/ingest", method: "POST", status: "200" })).toBe(2);
    expect(delta("http_request_duration_seconds", { route: "/ingest", method: "POST", status: "400" })).toBe(1);
    expect(delta("http_request_duration_seconds", { route: "/graphql", method: "POST", status: "200" })).toBe(3);
    // The second request is the first's response again; the third is another document, so it
    // runs, and its modelUsage rows (same workspace, period and data version) are the first's.
    expect(delta("graphql_response_cache_lookups_total", { result: "miss" })).toBe(2);
    expect(delta("graphql_response_cache_lookups_total", { result: "hit" })).toBe(1);
    expect(delta("usage_result_cache_lookups_total", { result: "miss" })).toBe(1);
    expect(delta("usage_result_cache_lookups_total", { result: "hit" })).toBe(1);
    // The scrape before counts itself once it has been answered.
    expect(delta("http_request_duration_seconds", { route: "/metrics", method: "GET", status: "200" })).toBe(1);
    expect(sample(after, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(sample(after, "report_oldest_due_run_age_seconds")).toBe(0);
    // The pool gauge exists on PostgreSQL only (PGlite is one in-process session).
    if (db.kind === "postgres") expect(sample(after, "db_pool_connections", { state: "total" })).toBeGreaterThanOrEqual(1);
  });

  test("labels name routes, never paths, workspaces, keys or users", async () => {
    for (const path of ["/downloads/users-usage/ws_m/secret.csv", "/export/ws_m_users", "/no/such/u1"]) await fetch(`${url}${path}`);
    const values = labelValues(await scrape(`${url}/metrics`, TOKEN));
    const routes = new Set(
      [...(await scrape(`${url}/metrics`, TOKEN)).text.matchAll(/^http_request_duration_seconds_count\{route="([^"]*)"/gm)].map(
        (m) => m[1],
      ),
    );
    expect([...routes].sort()).toEqual(["/downloads/{file}", "/export/{type}", "/graphql", "/ingest", "/metrics", "unmatched"]);
    for (const secret of ["ws_m", "u1", ingestKey.id, exportKey.id, "secret.csv"])
      expect(values.filter((v) => v.includes(secret))).toEqual([]);
  });
});

describe("health", () => {
  test("/health/live and /health/ready answer 200 on a working service", async () => {
    expect(await (await fetch(`${url}/health/live`)).json()).toEqual({ status: "live" });
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { shutdown: "ok", database: "ok", migrations: "ok" } });
  });

  test("/health/ready answers 503 while the process is stopping", async () => {
    draining = true;
    try {
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "not ready", checks: { shutdown: "stopping", database: "ok", migrations: "ok" } });
    } finally {
      draining = false;
    }
  });

  test("/health/ready names a migration the database has not applied", async () => {
    const [last] = await db.withRawSession((s) =>
      s.query<{ name: string }>("select name from _usage_exports_migrations order by name desc limit 1"),
    );
    await db.withRawSession((s) => s.query("delete from _usage_exports_migrations where name = $1", [last!.name]));
    try {
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      expect((await ready.json()).checks).toEqual({ shutdown: "ok", database: "ok", migrations: `pending: ${last!.name}` });
    } finally {
      await db.withRawSession((s) => s.query("insert into _usage_exports_migrations (name) values ($1)", [last!.name]));
    }
  });

  test("/health/ready answers 503 within its timeout when the database hangs", async () => {
    const hung: Database = { ...db, read: () => new Promise(() => undefined) };
    const hungUrl = await startTestServer({ ...app, db: hung });
    const started = Date.now();
    const ready = await fetch(`${hungUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks).toEqual({
      shutdown: "ok",
      database: "unavailable: no answer within 2000 ms",
      migrations: "unknown",
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("METRICS_PORT", () => {
  let server: Server;
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("serves /metrics and health without a token, and nothing else", async () => {
    server = await listenOperations({ ...app, env: { ...app.env, host: "127.0.0.1" } }, 0, { draining: () => false });
    const base = `http://127.0.0.1:${portOf(server)}`;
    expect(sample(await scrape(`${base}/metrics`), "usage_ingest_batches_total", { outcome: "stored" })).toBeGreaterThanOrEqual(2);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const other = await fetch(`${base}/graphql`);
    expect(other.status).toBe(404);
    expect((await other.json()).message).toBe("No route for /graphql on the operations port: /metrics, /health/live, /health/ready");
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(404);
  });
});
