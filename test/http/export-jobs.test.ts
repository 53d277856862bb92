import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { claimNextJob, MAX_RUNNING_PER_WORKSPACE } from "../../src/export-jobs/claim.ts";
import { runClaimedJob } from "../../src/export-jobs/run-job.ts";
import { createJob } from "../../src/export-jobs/store.ts";
import { runExportJobs, stopExportJobKicks } from "../../src/export-jobs/worker.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";

// Async export jobs over the real HTTP handler and database: 202 and its
// status, results equal to the synchronous answers, cancelling, workspaces
// apart, idempotency keys, the per-workspace bound and a failed job.

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW });
const url = await startTestServer(app);
for (const id of ["ws_a", "ws_b", "ws_c", "ws_d"]) await createSmallWorkspace(db, { id, byok: id === "ws_a" });
const keyOf = async (workspaceId: string) => (await createAccessKey(db, { workspaceId, role: "export" })).apiKey;
const keyA = await keyOf("ws_a");
const keyB = await keyOf("ws_b");

const period = JSON.stringify(FIXTURE_PERIOD);
const ASYNC = { prefer: "respond-async" };
async function call(method: string, path: string, key: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, { method, headers: { ...headers, authorization: `Bearer ${key}` }, body });
  return { status: res.status, body: JSON.parse(await res.text()), headers: res.headers };
}
const localLink = (downloadUrl: string) => {
  const link = new URL(downloadUrl);
  return `${url}${link.pathname}${link.search}`;
};
const download = async (downloadUrl: string) => Buffer.from(await (await fetch(localLink(downloadUrl))).arrayBuffer());

/** Polls a job's status until it has finished; returns the last status answer. */
async function finished(statusUrl: string, key = keyA) {
  for (let i = 0; i < 500; i++) {
    const res = await call("GET", statusUrl, key);
    if (!["queued", "running"].includes(res.body.data.status)) return res;
    await sleep(20);
  }
  throw new Error(`job ${statusUrl} did not finish`);
}

describe("Prefer: respond-async", () => {
  test("202 with Location; the job succeeds with the synchronous answer's data and the same file bytes", async () => {
    const accepted = await call("POST", "/export/users", keyA, period, ASYNC);
    expect(accepted.status).toBe(202);
    const { jobId, statusUrl } = accepted.body.data;
    expect(accepted.body).toEqual({ success: true, data: { jobId, status: "queued", statusUrl: `/export/jobs/${jobId}` } });
    expect(accepted.headers.get("location")).toBe(statusUrl);

    const done = await finished(statusUrl);
    const sync = await call("POST", "/export/users", keyA, period);
    expect(sync.status).toBe(200);
    const { result, ...job } = done.body.data;
    expect(done.status).toBe(200);
    expect(job).toEqual({
      jobId,
      status: "succeeded",
      dataType: "users",
      progress: { rowsWritten: sync.body.data.recordCount },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      finishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      error: null,
    });
    // The same answer but for the file's own name (its 8 hex are the job's) and link.
    const { filePath, downloadUrl, ...rest } = sync.body.data;
    expect(Object.keys(result)).toEqual(Object.keys(sync.body.data));
    expect(result).toMatchObject(rest);
    expect(result.filePath).toBe(filePath.replace(/-[0-9a-f]{8}\.csv$/, `-${jobId.slice(0, 8)}.csv`));
    expect(await download(result.downloadUrl)).toEqual(await download(downloadUrl));

    // Also under /api/public, a Parquet file: the status URL keeps the prefix.
    const parquet = JSON.stringify({ ...FIXTURE_PERIOD, format: "parquet" });
    const pub = await call("POST", "/api/public/export/agents", keyA, parquet, ASYNC);
    expect(pub.body.data.statusUrl).toBe(`/api/public/export/jobs/${pub.body.data.jobId}`);
    const pubDone = await finished(pub.body.data.statusUrl);
    const pubSync = await call("POST", "/export/agents", keyA, parquet);
    expect(pubDone.body.data.result.recordCount).toBe(pubSync.body.data.recordCount);
    expect(await download(pubDone.body.data.result.downloadUrl)).toEqual(await download(pubSync.body.data.downloadUrl));
  });

  test("a JSON-rows job's result is the synchronous answer's data, exactly", async () => {
    const accepted = await call("POST", "/export/models/json", keyA, period, ASYNC);
    expect(accepted.status).toBe(202);
    const done = await finished(accepted.body.data.statusUrl);
    const sync = await call("POST", "/export/models/json", keyA, period);
    expect(sync.status).toBe(200);
    expect(done.body.data.status).toBe("succeeded");
    expect(done.body.data.result).toEqual(sync.body.data);
  });

  test("POST /export/timeseries: the job's file has the synchronous export's bytes", async () => {
    const body = JSON.stringify({ ...FIXTURE_PERIOD, bucket_width: "1d", group_by: ["model"] });
    const accepted = await call("POST", "/export/timeseries", keyA, body, ASYNC);
    expect(accepted.status).toBe(202);
    const done = await finished(accepted.body.data.statusUrl);
    const sync = await call("POST", "/export/timeseries", keyA, body);
    expect(sync.status).toBe(200);
    expect(done.body.data).toMatchObject({ status: "succeeded", dataType: "timeseries", error: null });
    const { filePath: _file, downloadUrl, ...rest } = sync.body.data;
    expect(done.body.data.result).toMatchObject(rest);
    expect(await download(done.body.data.result.downloadUrl)).toEqual(await download(downloadUrl));
    const bad = await call("POST", "/export/timeseries", keyA, JSON.stringify({ ...FIXTURE_PERIOD, bucket_width: "2d" }), ASYNC);
    expect([bad.status, bad.body]).toEqual([
      400,
      (await call("POST", "/export/timeseries", keyA, JSON.stringify({ ...FIXTURE_PERIOD, bucket_width: "2d" }))).body,
    ]);
  });

  test("a period without usage: the job fails with the synchronous 404's error", async () => {
    const empty = JSON.stringify({ from: { date: "2026-01-01", timezone: "UTC" }, to: { date: "2026-01-02", timezone: "UTC" } });
    const sync = await call("POST", "/export/users", keyA, empty);
    expect(sync.status).toBe(404);
    const done = await finished((await call("POST", "/export/users", keyA, empty, ASYNC)).body.data.statusUrl);
    expect(done.body.data).toMatchObject({ status: "failed", result: null, error: sync.body });
    expect(sync.body).toEqual({ error: "No data found", message: "No usage data found for the selected period" });
  });

  test("input the synchronous route refuses is refused the same, and no job is created", async () => {
    const before = await db.prisma.exportJob.count();
    const bad = JSON.stringify({ ...FIXTURE_PERIOD, group_by: "source" });
    const sync = await call("POST", "/export/users", keyA, bad);
    const asyncAnswer = await call("POST", "/export/users", keyA, bad, ASYNC);
    expect([asyncAnswer.status, asyncAnswer.body]).toEqual([400, sync.body]);
    expect(sync.body).toEqual({ error: "Bad Request", message: 'group_by "source" is not valid for users (expected model)' });
    const badKey = await call("POST", "/export/users", keyA, period, { ...ASYNC, "idempotency-key": "" });
    expect(badKey.body).toEqual({ error: "Bad Request", message: "Idempotency-Key header must not be empty" });
    expect(await db.prisma.exportJob.count()).toBe(before);
  });

  test("another workspace's job and an unknown id are 404 naming the id; GET and DELETE need the export capability", async () => {
    const { jobId } = (await call("POST", "/export/users", keyA, period, ASYNC)).body.data;
    await finished(`/export/jobs/${jobId}`);
    for (const method of ["GET", "DELETE"]) {
      const other = await call(method, `/export/jobs/${jobId}`, keyB);
      expect([other.status, other.body]).toEqual([404, { error: "Not Found", message: `No export job "${jobId}" in this workspace` }]);
    }
    const unknown = await call("GET", "/api/public/export/jobs/nope", keyA);
    expect([unknown.status, unknown.body.message]).toEqual([404, 'No export job "nope" in this workspace']);
    const ingestKey = (await createAccessKey(db, { workspaceId: "ws_a", role: "ingest" })).apiKey;
    expect((await call("GET", `/export/jobs/${jobId}`, ingestKey)).status).toBe(403);
    const finishedCancel = await call("DELETE", `/export/jobs/${jobId}`, keyA);
    expect([finishedCancel.status, finishedCancel.body]).toEqual([
      409,
      { error: "Conflict", message: `Export job "${jobId}" has already succeeded; only a queued or running job can be cancelled` },
    ]);
  });

  test("Idempotency-Key: the same body is the same job; another body is 422 naming the key; keys are per workspace", async () => {
    const headers = { ...ASYNC, "idempotency-key": "nightly-1" };
    const first = await call("POST", "/export/projects", keyA, period, headers);
    const again = await call("POST", "/export/projects", keyA, period, headers);
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.body.data.jobId).toBe(first.body.data.jobId);
    expect(await db.prisma.exportJob.count({ where: { idempotencyKey: "nightly-1" } })).toBe(1);

    const other = await call("POST", "/export/projects", keyA, JSON.stringify({ ...FIXTURE_PERIOD, format: "parquet" }), headers);
    expect(other.status).toBe(422);
    expect(other.body).toEqual({
      error: "Unprocessable Content",
      message: `Idempotency-Key "nightly-1" was already used for another request (job ${first.body.data.jobId}): use a new key for a new request`,
    });
    const otherPath = await call("POST", "/export/projects/json", keyA, period, headers);
    expect(otherPath.status).toBe(422);

    const b = await call("POST", "/export/projects", keyB, period, headers);
    expect(b.status).toBe(202);
    expect(b.body.data.jobId).not.toBe(first.body.data.jobId);
    await finished(first.body.data.statusUrl);
    await finished(b.body.data.statusUrl, keyB);
  });
});

// From here on jobs are run by hand: no request starts a worker.
describe("workers", () => {
  const request = {
    kind: "file",
    dataType: "users",
    period: resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW),
    groupBy: null,
    format: "csv",
  } as const;
  const newJob = async (workspaceId: string) =>
    (await createJob(db, { workspaceId, request, requestText: `${workspaceId}-${Math.random()}`, idempotencyKey: null })).job;
  const exportFiles = () => {
    const walk = (dir: string): string[] =>
      existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [e.name]))
        : [];
    return walk(app.exportDir);
  };

  test("cancel: a queued job at once (200); a running one at its next progress point (202), leaving no file", async () => {
    await stopExportJobKicks(app);
    const queued = await newJob("ws_b");
    const cancelled = await call("DELETE", `/export/jobs/${queued.id}`, keyB);
    expect([cancelled.status, cancelled.body.data.status, cancelled.body.data.finishedAt]).toEqual([200, "cancelled", expect.any(String)]);
    const twice = await call("DELETE", `/export/jobs/${queued.id}`, keyB);
    expect([twice.status, twice.body.message]).toEqual([
      409,
      `Export job "${queued.id}" has already been cancelled; only a queued or running job can be cancelled`,
    ]);

    const running = await newJob("ws_b");
    const claim = await claimNextJob(db, "test-worker");
    expect(claim).toMatchObject({ id: running.id, attempt: 1 });
    const asked = await call("DELETE", `/export/jobs/${running.id}`, keyB);
    expect([asked.status, asked.body.data.status]).toEqual([202, "running"]);
    const filesBefore = exportFiles();
    expect(await runClaimedJob(app, claim!, new AbortController().signal)).toBe("cancelled");
    expect(exportFiles()).toEqual(filesBefore);
    const after = await call("GET", `/export/jobs/${running.id}`, keyB);
    expect(after.body.data).toMatchObject({ status: "cancelled", result: null, error: null });
  });

  test("a worker told to stop (the process is stopping) hands its job back to the queue, leaving no file", async () => {
    const job = await newJob("ws_b");
    const claim = await claimNextJob(db, "stopping-worker");
    expect(claim?.id).toBe(job.id);
    const filesBefore = exportFiles();
    const stopping = new AbortController();
    stopping.abort();
    expect(await runClaimedJob(app, claim!, stopping.signal)).toBe("queued");
    expect(exportFiles()).toEqual(filesBefore);
    const row = await db.prisma.exportJob.findFirstOrThrow({ where: { id: job.id } });
    expect([row.status, row.attempts, row.leaseOwner, row.leaseUntil, row.finishedAt]).toEqual(["queued", 1, null, null, null]);
    // The next worker runs it from the start.
    expect((await runExportJobs(app, new AbortController().signal)).ran).toBe(1);
    expect(await db.prisma.exportJob.findFirstOrThrow({ where: { id: job.id } })).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  test(`at most ${MAX_RUNNING_PER_WORKSPACE} jobs of a workspace run at once; other workspaces' jobs are claimed past them`, async () => {
    const jobs = [await newJob("ws_c"), await newJob("ws_c"), await newJob("ws_c")];
    const other = await newJob("ws_d");
    const claims = [await claimNextJob(db, "w1"), await claimNextJob(db, "w2"), await claimNextJob(db, "w3")];
    expect(claims.map((c) => c?.id)).toEqual([jobs[0]!.id, jobs[1]!.id, other.id]);
    expect(await claimNextJob(db, "w4")).toBeNull();
    const signal = new AbortController().signal;
    for (const c of claims) expect(await runClaimedJob(app, c!, signal)).toBe("succeeded");

    // Four workers on four more jobs of one workspace, sampled while they run: never more than the bound.
    const more = [await newJob("ws_c"), await newJob("ws_c"), await newJob("ws_c"), await newJob("ws_c")];
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, await db.prisma.exportJob.count({ where: { workspaceId: "ws_c", status: "running" } }));
        await sleep(1);
      }
    })();
    const worker = async (owner: string) => {
      for (let claim = await claimNextJob(db, owner); claim; claim = await claimNextJob(db, owner)) await runClaimedJob(app, claim, signal);
    };
    await Promise.all(["x1", "x2", "x3", "x4"].map(worker));
    sampling = false;
    await sampler;
    expect(most).toBeLessThanOrEqual(MAX_RUNNING_PER_WORKSPACE);
    expect(most).toBeGreaterThanOrEqual(1);
    const statuses = await db.prisma.exportJob.findMany({ where: { id: { in: [...jobs, ...more].map((j) => j.id) } } });
    expect(statuses.map((j) => [j.status, j.attempts])).toEqual(Array.from({ length: 7 }, () => ["succeeded", 1]));
    expect((await runExportJobs(app, signal)).ran).toBe(0);
  });
});
