import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { ExportAnswer } from "../helpers/answers.ts";
import { testDatabaseUrl } from "../helpers/database.ts";
import { localLink, startServer, type ServerProcess } from "./server-process.ts";

/**
 * PostgreSQL drops the compiled server's connections (`pg_terminate_backend`,
 * as a restart or failover would) while a request is in flight or while the
 * pool sits idle. The process stays up, the request answers 503 with
 * `Retry-After`, nothing is half-stored, and the next request works.
 * A table lock held by the test parks the server's query where it can be killed.
 */
const UserUsageAnswer = z.object({ data: z.object({ userUsage: z.object({ __typename: z.string() }) }) });

// At the top level: the database's afterAll (dropping it) only runs when registered during collection.
const databaseUrl = process.env.DATABASE_URL ? await testDatabaseUrl() : null;

describe.runIf(process.env.DATABASE_URL)("lost PostgreSQL connections", () => {
  // Made in beforeAll: a skipped suite's body is still collected, but runs none of its hooks.
  let dataDir: string;
  let server: ServerProcess;
  let admin: pg.Client;
  let lockHolder: pg.Client;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "ue-faults-"));
    const url = databaseUrl!;
    server = await startServer(dataDir, { DATABASE_URL: url });
    admin = new pg.Client({ connectionString: url });
    lockHolder = new pg.Client({ connectionString: url });
    await Promise.all([admin.connect(), lockHolder.connect()]);
  });
  afterAll(async () => {
    await Promise.all([admin?.end(), lockHolder?.end()]);
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (path: string, body: string, contentType = "application/json") =>
    fetch(`${server.base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.apiKey}`, "content-type": contentType },
      body,
    });

  /** The server's sessions (every one but the test's own two). */
  async function serverBackends(where = "true"): Promise<number[]> {
    const { rows } = await admin.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database() and pid not in ($1, $2) and ${where}`,
      [await backendPid(admin), await backendPid(lockHolder)],
    );
    return rows.map((r) => r.pid);
  }
  const pids = new Map<pg.Client, number>();
  async function backendPid(client: pg.Client): Promise<number> {
    if (!pids.has(client)) pids.set(client, (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid);
    return pids.get(client)!;
  }

  /** Holds `lock` while `request` runs; kills the server's session that waits on it; returns the response. */
  async function killWhileWaiting(lock: string, request: () => Promise<Response>): Promise<Response> {
    await lockHolder.query("begin");
    await lockHolder.query(lock);
    try {
      const pending = request();
      let waiting: number[] = [];
      for (let i = 0; i < 400 && waiting.length === 0; i++) {
        waiting = await serverBackends("wait_event_type = 'Lock'");
        if (waiting.length === 0) await sleep(25);
      }
      expect(waiting.length).toBeGreaterThan(0);
      await admin.query("select pg_terminate_backend(pid) from unnest($1::int[]) pid", [waiting]);
      return await pending;
    } finally {
      await lockHolder.query("rollback");
    }
  }

  const expectUnavailable = async (res: Response) => {
    expect([res.status, res.headers.get("retry-after"), await res.json()]).toEqual([
      503,
      "5",
      { error: "Service Unavailable", message: "The database is unavailable; nothing was changed. Retry in 5 seconds" },
    ]);
    expect(server.child.exitCode).toBeNull();
  };

  const batch = (prefix: string, n: number) =>
    [
      JSON.stringify({
        type: "user",
        id: `${prefix}-user`,
        name: "Fault Test",
        email: "fault@example.test",
        role: "member",
        joinedAt: "2026-01-01T00:00:00Z",
        effectiveAt: "2026-01-01T00:00:00Z",
      }),
      ...Array.from({ length: n }, (_, i) =>
        JSON.stringify({
          type: "message",
          id: `${prefix}-${i}`,
          occurredAt: "2026-11-02T10:00:00Z",
          userId: `${prefix}-user`,
          surface: "chat",
          model: "gpt-4o",
          provider: "openai",
          source: "WEB",
        }),
      ),
    ].join("\n");

  const stored = async (prefix: string) => {
    const usage = await admin.query<{ n: number }>("select count(*)::int as n from usage_records where id like $1", [`${prefix}-%`]);
    const users = await admin.query<{ n: number }>("select count(*)::int as n from directory_versions where entity_id = $1", [
      `${prefix}-user`,
    ]);
    return { usage: usage.rows[0]!.n, users: users.rows[0]!.n };
  };

  test("a session killed mid-ingest answers 503, stores nothing, and the batch is stored once when sent again", async () => {
    const body = batch("mid-ingest", 2_000);
    const res = await killWhileWaiting("lock table usage_records in share mode", () => post("/ingest", body, "application/x-ndjson"));
    await expectUnavailable(res);
    expect(await stored("mid-ingest")).toEqual({ usage: 0, users: 0 });

    const again = await post("/ingest", body, "application/x-ndjson");
    expect([again.status, await again.json()]).toEqual([200, { accepted: 2_001, duplicates: 0 }]);
    const third = await post("/ingest", body, "application/x-ndjson");
    expect([third.status, await third.json()]).toEqual([200, { accepted: 1, duplicates: 2_000 }]);
    expect(await stored("mid-ingest")).toEqual({ usage: 2_000, users: 1 });
  });

  test("a session killed mid-export answers 503, and the next export works", async () => {
    const body = JSON.stringify({ from: { date: "2026-11-01", timezone: "UTC" }, to: { date: "2026-11-03", timezone: "UTC" } });
    // Seed usage on those days, so the export has rows to read.
    expect((await post("/ingest", batch("export-data", 10), "application/x-ndjson")).status).toBe(200);
    const res = await killWhileWaiting("lock table usage_records, usage_daily in access exclusive mode", () => post("/export/users", body));
    await expectUnavailable(res);

    const again = await post("/export/users", body);
    expect(again.status).toBe(200);
    const result = ExportAnswer.parse(await again.json());
    const csv = await (await fetch(localLink(server, result.data.downloadUrl))).text();
    expect(csv).toContain("export-data-user,Fault Test");
  });

  test("a session killed under a GraphQL query answers 503 with Retry-After, and the next query works", async () => {
    const query = `query ($period: PeriodInput!) { userUsage(period: $period) {
      __typename ... on QueryUserUsageSuccess { data { totalCount } } } }`;
    // A period no earlier request read, so the answer is not in the result cache.
    const variables = { period: { from: { date: "2026-10-05", timezone: "UTC" }, to: { date: "2026-11-02", timezone: "UTC" } } };
    const ask = () => post("/graphql", JSON.stringify({ query, variables }));
    const res = await killWhileWaiting("lock table usage_records, usage_daily in access exclusive mode", ask);
    expect([res.status, res.headers.get("retry-after"), await res.json()]).toEqual([
      503,
      "5",
      {
        data: null,
        errors: [
          {
            message: "The database is unavailable; nothing was changed. Retry in 5 seconds",
            locations: [{ line: 1, column: 33 }],
            path: ["userUsage"],
            extensions: { code: "SERVICE_UNAVAILABLE" },
          },
        ],
      },
    ]);
    expect(server.child.exitCode).toBeNull();
    const again = await ask();
    expect(again.status).toBe(200);
    expect(UserUsageAnswer.parse(await again.json()).data.userUsage.__typename).toBe("QueryUserUsageSuccess");
  });

  test("sessions killed while the pool is idle leave the process up, and the next requests open new ones", async () => {
    // A request first, so the pool holds connections (it closes those idle for 10 s).
    expect((await post("/ingest", batch("before-idle", 1), "application/x-ndjson")).status).toBe(200);
    const idle = await serverBackends();
    expect(idle.length).toBeGreaterThan(0);
    await admin.query("select pg_terminate_backend(pid) from unnest($1::int[]) pid", [idle]);
    await sleep(500); // the pool hears of it: each idle client emits `error`
    expect(server.child.exitCode).toBeNull();
    for (let i = 0; i < 3; i++) {
      const res = await post("/ingest", batch(`after-idle-${i}`, 5), "application/x-ndjson");
      expect([res.status, await res.json()]).toEqual([200, { accepted: 6, duplicates: 0 }]);
    }
    expect(server.output()).not.toMatch(/Unhandled|uncaught/i);
  });
});
