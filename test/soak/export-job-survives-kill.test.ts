import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { openApp } from "../../src/app.ts";
import { parseEnv } from "../../src/config/env.ts";
import { testDatabaseUrl } from "../helpers/database.ts";
import { localLink, startServer, type ServerProcess } from "./server-process.ts";

/**
 * `kill -9` of the compiled server while an async export job runs, then a
 * restart on the same data: once the dead worker's lease runs out the job is
 * rerun and succeeds once, with the same bytes as the synchronous export, and
 * leaves no partial file. On embedded PGlite and, with DATABASE_URL, on PostgreSQL.
 */
const dataDir = mkdtempSync(join(tmpdir(), "ue-job-kill-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const databaseUrl = process.env.DATABASE_URL ? await testDatabaseUrl() : null;
const env: Record<string, string> = {
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  INGEST_BODY_LIMIT_BYTES: String(64 * 1024 * 1024),
};
const USERS = 4_000;

const Accepted = z.object({ data: z.object({ jobId: z.string(), statusUrl: z.string() }) });
const Exported = z.object({ data: z.object({ downloadUrl: z.string(), recordCount: z.number() }) });
const JobStatus = z.object({ data: z.object({ status: z.string(), result: Exported.shape.data.nullable(), error: z.unknown() }) });

let server: ServerProcess;
let apiKey: string;
afterAll(() => server?.kill());

const request = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  fetch(`${server.base}${path}`, { method, headers: { authorization: `Bearer ${apiKey}`, ...headers }, body });

/** Every file under the export store, relative. */
function exportFiles(): string[] {
  const root = join(dataDir, "exports");
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name).slice(root.length + 1)],
    );
  try {
    return walk(root);
  } catch {
    return [];
  }
}

/** The job's row, read with the server stopped (PGlite admits one process). */
async function jobRow(id: string) {
  const app = await openApp(parseEnv({ DATA_DIR: dataDir, LOG_LEVEL: "silent", ...env }));
  try {
    const job = await app.db.prisma.exportJob.findFirstOrThrow({ where: { id } });
    const exports = await app.db.prisma.export.count({ where: { filePath: { contains: id.slice(0, 8) } } });
    return { status: job.status, attempts: job.attempts, result: job.result, finishedAt: job.finishedAt, exports };
  } finally {
    await app.close();
  }
}

beforeAll(async () => {
  server = await startServer(dataDir, env);
  apiKey = server.apiKey!;
  // A directory large enough that the users export takes a while to write.
  const lines = Array.from({ length: USERS }, (_, i) => [
    JSON.stringify({
      type: "user",
      id: `kill-user-${i}`,
      name: `User ${i}`,
      email: `u${i}@example.test`,
      role: "member",
      joinedAt: "2026-01-01T00:00:00Z",
    }),
    JSON.stringify({
      type: "message",
      id: `kill-seed-${i}`,
      occurredAt: "2026-11-02T10:00:00Z",
      userId: `kill-user-${i}`,
      surface: "chat",
      model: "gpt-4o",
      provider: "openai",
      source: "WEB",
    }),
  ]).flat();
  const res = await request("POST", "/ingest", lines.join("\n"), { "content-type": "application/x-ndjson" });
  expect([res.status, await res.json()]).toEqual([200, { accepted: 2 * USERS, duplicates: 0 }]);
}, 60_000);

describe("an async export job whose server is killed with SIGKILL", () => {
  test("is rerun after a restart and succeeds once, with the synchronous export's bytes and no partial file", async () => {
    let jobId: string | null = null;
    let body = "";
    // Kill the moment the job is seen running; should it finish first, try a new one.
    for (let day = 3; day < 8 && jobId === null; day++) {
      body = JSON.stringify({ from: { date: "2026-11-01", timezone: "UTC" }, to: { date: `2026-11-0${day}`, timezone: "UTC" } });
      const accepted = await request("POST", "/export/users", body, { prefer: "respond-async" });
      expect(accepted.status).toBe(202);
      const { data } = Accepted.parse(await accepted.json());
      for (let status = "queued"; status === "queued"; await sleep(2))
        status = JobStatus.parse(await (await request("GET", data.statusUrl)).json()).data.status;
      expect(await server.kill()).toBe("SIGKILL");
      const killed = await jobRow(data.jobId);
      if (killed.status === "running") {
        expect(killed).toMatchObject({ attempts: 1, result: null, finishedAt: null });
        jobId = data.jobId;
      }
      server = await startServer(dataDir, env);
    }
    expect(jobId).not.toBeNull();

    // The dead worker's lease runs out (20 s), then a tick of the restarted server reruns the job.
    let job: z.output<typeof JobStatus>["data"] = { status: "running", result: null, error: null };
    const until = Date.now() + 45_000;
    while (["queued", "running"].includes(job.status) && Date.now() < until) {
      await sleep(250);
      job = JobStatus.parse(await (await request("GET", `/export/jobs/${jobId}`)).json()).data;
    }
    // Status and error together: a failure shows the error the job ended with.
    expect({ status: job.status, error: job.error ?? null }).toEqual({ status: "succeeded", error: null });
    const sync = await request("POST", "/export/users", body);
    expect(sync.status).toBe(200);
    const syncData = Exported.parse(await sync.json()).data;
    expect(job.result!.recordCount).toBe(syncData.recordCount);
    expect(syncData.recordCount).toBeGreaterThanOrEqual(USERS);
    const bytes = async (link: string) => Buffer.from(await (await fetch(localLink(server, link))).arrayBuffer());
    expect((await bytes(job.result!.downloadUrl)).equals(await bytes(syncData.downloadUrl))).toBe(true);
    expect(exportFiles().filter((f) => f.endsWith(".partial"))).toEqual([]);

    await server.stop();
    // One attempt cut short by the kill, one that succeeded; one result, one recorded file.
    expect(await jobRow(jobId!)).toMatchObject({ status: "succeeded", attempts: 2, exports: 1, finishedAt: expect.any(Date) });
    server = await startServer(dataDir, env);
  }, 90_000);
});
