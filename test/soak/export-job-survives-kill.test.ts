import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { testDatabaseUrl } from "../helpers/database.ts";
import { localLink, startServer, type ServerProcess } from "./server-process.ts";
import { exportFiles, readStopped, seedUsers } from "./stopped-server-data.ts";

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

/** The job's row, read with the server stopped. */
const jobRow = (id: string) =>
  readStopped(dataDir, env, async (app) => {
    const job = await app.db.prisma.exportJob.findFirstOrThrow({ where: { id } });
    const exports = await app.db.prisma.export.count({ where: { filePath: { contains: id.slice(0, 8) } } });
    return { status: job.status, attempts: job.attempts, result: job.result, finishedAt: job.finishedAt, exports };
  });

beforeAll(async () => {
  server = await startServer(dataDir, env);
  apiKey = server.apiKey!;
  await seedUsers(server, "kill", USERS);
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
    // Status and error together: a failure shows the error the job ended with, and the server's log.
    const log = job.status === "succeeded" ? "" : server.output();
    expect({ status: job.status, error: job.error ?? null, log }).toEqual({ status: "succeeded", error: null, log: "" });
    const sync = await request("POST", "/export/users", body);
    expect(sync.status).toBe(200);
    const syncData = Exported.parse(await sync.json()).data;
    expect(job.result!.recordCount).toBe(syncData.recordCount);
    expect(syncData.recordCount).toBeGreaterThanOrEqual(USERS);
    const bytes = async (link: string) => Buffer.from(await (await fetch(localLink(server, link))).arrayBuffer());
    expect((await bytes(job.result!.downloadUrl)).equals(await bytes(syncData.downloadUrl))).toBe(true);
    expect(exportFiles(dataDir).filter((f) => f.endsWith(".partial"))).toEqual([]);

    await server.stop();
    // One attempt cut short by the kill, one that succeeded; one result, one recorded file.
    expect(await jobRow(jobId!)).toMatchObject({ status: "succeeded", attempts: 2, exports: 1, finishedAt: expect.any(Date) });
    server = await startServer(dataDir, env);
  }, 90_000);
});
