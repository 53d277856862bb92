import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ExportAnswer } from "../helpers/answers.ts";
import { testDatabaseUrl } from "../helpers/database.ts";
import { localLink, startServer, type ServerProcess } from "./server-process.ts";
import { exportFiles, readStopped, seedMessage, seedUsers } from "./stopped-server-data.ts";

/**
 * `kill -9` of the compiled server mid-ingest and mid-export, then a restart:
 * a batch is stored whole or not at all, a killed export's `.partial` file is
 * swept by the clean-up once older than the retention, and the restarted
 * server answers. On embedded PGlite (whose files must survive the kill) and,
 * with DATABASE_URL, on PostgreSQL.
 */
const dataDir = mkdtempSync(join(tmpdir(), "ue-crash-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const databaseUrl = process.env.DATABASE_URL ? await testDatabaseUrl() : null;
const env: Record<string, string> = {
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  INGEST_BODY_LIMIT_BYTES: String(64 * 1024 * 1024),
  // The clean-up every minute; files count as abandoned after 18 s.
  JOB_SCHEDULES: "clean-up-exports=* * * * *",
  EXPORT_RETENTION_HOURS: "0.005",
};
const USERS = 10_000;
const EXPORT_BODY = JSON.stringify({ from: { date: "2026-11-01", timezone: "UTC" }, to: { date: "2026-11-03", timezone: "UTC" } });

let server: ServerProcess;
let apiKey: string;
afterAll(() => server?.kill());

const post = (path: string, body: string, contentType = "application/json") =>
  fetch(`${server.base}${path}`, { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": contentType }, body });

/** When PGlite last wrote its write-ahead log (0 on PostgreSQL or before the first write). */
function walWrittenAt(): number {
  const wal = join(dataDir, "pglite", "pg_wal");
  try {
    return Math.max(0, ...readdirSync(wal).map((f) => statSync(join(wal, f)).mtimeMs));
  } catch {
    return 0;
  }
}

/** Counts stored usage records by id prefix, with the server stopped. */
const storedWithPrefix = (prefix: string) =>
  readStopped(dataDir, env, (app) => app.db.prisma.usageRecord.count({ where: { id: { startsWith: prefix } } }));

beforeAll(async () => {
  server = await startServer(dataDir, env);
  apiKey = server.apiKey!;
  await seedUsers(server, "crash", USERS);
}, 300_000);

describe("a server killed with SIGKILL", () => {
  test("mid-ingest stores the batch whole or not at all, and after a restart it is stored exactly once", async () => {
    const batch = Array.from({ length: 12_000 }, (_, i) => seedMessage(`crash-ingest-${i}`, `crash-user-${i % USERS}`)).join("\n");
    let lockHolder: pg.Client | null = null;
    let writing: () => Promise<boolean>;
    if (databaseUrl) {
      // On PostgreSQL, park the insert behind a lock: the kill lands mid-transaction for sure.
      const holder = new pg.Client({ connectionString: databaseUrl });
      lockHolder = holder;
      await holder.connect();
      await holder.query("begin; lock table usage_records in share mode");
      writing = async () =>
        (await holder.query("select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows.length >
        0;
    } else {
      // On PGlite, the first write to its WAL after the request was sent is the batch's transaction.
      const before = walWrittenAt();
      writing = async () => walWrittenAt() > before;
    }
    const pending = post("/ingest", batch, "application/x-ndjson").catch((error: Error) => error);
    let answered = false;
    void pending.then(() => (answered = true));
    while (!answered && !(await writing())) await sleep(databaseUrl ? 25 : 2);
    expect(answered).toBe(false); // the kill lands while the request is in flight
    expect(await server.kill()).toBe("SIGKILL");
    expect(await pending).toBeInstanceOf(Error); // the connection died with the process
    if (lockHolder) {
      await lockHolder.query("rollback");
      await lockHolder.end();
    }

    const afterKill = await storedWithPrefix("crash-ingest-");
    expect([0, 12_000]).toContain(afterKill);
    if (databaseUrl) expect(afterKill).toBe(0);

    server = await startServer(dataDir, env);
    const again = await post("/ingest", batch, "application/x-ndjson");
    expect([again.status, await again.json()]).toEqual([200, { accepted: 12_000 - afterKill, duplicates: afterKill }]);
    await server.stop();
    expect(await storedWithPrefix("crash-ingest-")).toBe(12_000);
    server = await startServer(dataDir, env);
  });

  test("mid-export leaves a .partial file that the clean-up sweeps after a restart; the next export works", async () => {
    let partial: string | undefined;
    // Watch the store closely and kill the moment a partial file appears.
    for (let tries = 0; tries < 5 && !partial; tries++) {
      const pending = post("/export/users", EXPORT_BODY).catch((error: Error) => error);
      const until = Date.now() + 12_000;
      while (!partial && Date.now() < until) {
        partial = exportFiles(dataDir).find((f) => f.endsWith(".partial"));
        if (!partial) await sleep(2);
      }
      if (partial) await server.kill();
      await pending;
    }
    expect(partial).toBeDefined();
    expect(exportFiles(dataDir)).toContain(partial);

    server = await startServer(dataDir, env);
    // Younger than the retention: it might still be written, so it stays a while, then goes.
    await expect.poll(() => exportFiles(dataDir).includes(partial!), { timeout: 150_000, interval: 1_000 }).toBe(false);
    expect(exportFiles(dataDir).filter((f) => f.endsWith(".partial"))).toEqual([]);

    const res = await post("/export/users", EXPORT_BODY);
    expect(res.status).toBe(200);
    const result = ExportAnswer.parse(await res.json());
    expect(result.data.recordCount).toBeGreaterThanOrEqual(USERS); // the demo's own members too
    const csv = await fetch(localLink(server, result.data.downloadUrl));
    expect(csv.status).toBe(200);
    expect((await csv.text()).trimEnd().split("\n")).toHaveLength(result.data.recordCount + 1);
    expect(statSync(join(dataDir, "exports")).mode & 0o077).toBe(0);
  });
});
