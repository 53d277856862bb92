import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { Prisma } from "../../src/generated/prisma/client.ts";
import { processDueRuns } from "../../src/reports/process-due-runs.ts";
import { claimNextRun, LEASE_MS, MAX_ATTEMPTS } from "../../src/reports/runs/claim-run.ts";
import { planDueRuns } from "../../src/reports/runs/plan-runs.ts";
import { createSmallWorkspace } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase, withDatabase } from "../helpers/database.ts";
import { startSmtpCapture } from "../helpers/smtp.ts";
import { within } from "./delivery/helpers.ts";

const CHILD = new URL("./crash-child.ts", import.meta.url).pathname;
/** The child's first line: the attempt it claimed, or null. */
const ChildReport = z.object({ attempt: z.number().nullable() });
const { url: smtpUrl, received } = await startSmtpCapture();
const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_c" });
// 1 November 2026, 06:00 UTC: the monthly run below is due for October.
const DUE = new Date("2026-11-01T06:00:00Z");
let clock = DUE;
const app = { ...testApp(db, { env: { SMTP_URL: smtpUrl } }), now: () => clock };

/** Where the killed workers write their zips (removed with the app's data directory). */
const workerDir = () => mkdtempSync(join(app.exportDir, "..", "worker-"));

/**
 * A worker process (test/reports/crash-child.ts) claims the run at `now`, builds
 * its zip, begins sending it, and is killed with SIGKILL: no handler runs, nothing
 * is recorded. Returns the attempt it had claimed (null if it claimed nothing).
 */
async function workerKilledMidDelivery(databaseUrl: string, runId: string, now: Date, owner: string): Promise<number | null> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, databaseUrl, runId, now.toISOString(), owner, workerDir()], {
    env: { ...inherited, SMTP_URL: smtpUrl },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string | undefined> => {
    const line = await within(60_000, "the worker's output", lines.next());
    return line.done ? undefined : line.value;
  };
  const { attempt } = ChildReport.parse(JSON.parse((await next()) ?? "{}"));
  if (attempt !== null) {
    expect(await next()).toBe("delivering");
    child.kill("SIGKILL");
  }
  await exited;
  return attempt;
}

/** The same crash within this process (PGlite serves one process): a claim that never finishes. */
async function claimedAndAbandoned(runId: string, now: Date, owner: string): Promise<number | null> {
  return (await claimNextRun(db, owner, now, { run: { workspaceId: "ws_c", id: runId } }))?.attempts ?? null;
}

async function databaseUrl(): Promise<string> {
  const [row] = await db.read<{ name: string }>(Prisma.sql`select current_database()::text as name`);
  return withDatabase(process.env.DATABASE_URL!, row!.name);
}

const crash =
  db.kind === "postgres"
    ? async (runId: string, now: Date, owner: string) => workerKilledMidDelivery(await databaseUrl(), runId, now, owner)
    : claimedAndAbandoned;

let n = 0;
async function subscribe(): Promise<{ id: string; name: string }> {
  const id = `sub_c${++n}`;
  const name = `Crash loop ${n}`;
  await db.prisma.reportSubscription.create({
    data: {
      id,
      workspaceId: "ws_c",
      name,
      cadence: "monthly",
      dayOfMonth: 1,
      time: "06:00",
      timezone: "UTC",
      types: [{ dataType: "users", groupBy: null }],
      channel: "email",
      recipients: ["finance@acme.test"],
      scheduledFrom: new Date("2026-10-15T00:00:00Z"),
    },
  });
  // Older subscriptions' runs are done: each test sees only its own.
  await db.prisma.reportRun.updateMany({
    where: { subscriptionId: { not: id }, status: { in: ["pending", "running"] } },
    data: { status: "failed" },
  });
  return { id, name };
}
/** `n` leases after DUE, a second past the end of each. */
const afterLeases = (n: number) => new Date(DUE.getTime() + n * (LEASE_MS + 1000));

describe(`a report worker that crashes on every attempt (${process.env.DATABASE_URL ? "killed processes on PostgreSQL" : "simulated on PGlite"})`, () => {
  test("the run is marked failed after MAX_ATTEMPTS crashes, every attempt abandoned, and nothing is ever delivered", async () => {
    const sub = await subscribe();
    await planDueRuns(db, DUE);
    const { id: runId } = await db.prisma.reportRun.findFirstOrThrow({ where: { subscriptionId: sub.id } });

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const at = afterLeases(attempt - 1);
      expect(await crash(runId, at, `crashing-${attempt}`)).toBe(attempt);
      // Within the dead worker's lease nobody takes the run.
      expect(await claimNextRun(db, "impatient", new Date(at.getTime() + LEASE_MS - 1000))).toBeNull();
    }

    // The next worker after the last lease gives the run up instead of trying a sixth time.
    clock = afterLeases(MAX_ATTEMPTS);
    expect(await processDueRuns(app, { owner: "survivor" })).toMatchObject({ delivered: 0, failed: 1, errored: 0 });
    const run = await db.prisma.reportRun.findFirstOrThrow({ where: { id: runId } });
    expect([run.status, run.attempts, run.leaseOwner, run.deliveredAt]).toEqual(["failed", MAX_ATTEMPTS, null, null]);
    expect(run.lastError).toBe(`the worker crashed or was cut short on every attempt (${MAX_ATTEMPTS} of ${MAX_ATTEMPTS})`);
    const log = await db.prisma.deliveryAttempt.findMany({ where: { runId }, orderBy: { attempt: "asc" } });
    expect(log.map((a) => [a.attempt, a.outcome, a.error, a.finishedAt?.toISOString()])).toEqual(
      Array.from({ length: MAX_ATTEMPTS }, (_, i) => [
        i + 1,
        "abandoned",
        `worker "crashing-${i + 1}" crashed or was cut short before finishing (its lease ran out)`,
        afterLeases(i + 1).toISOString(),
      ]),
    );

    // No later claim takes it, from a worker process or this one.
    expect(await crash(runId, afterLeases(MAX_ATTEMPTS + 5), "late")).toBeNull();
    clock = afterLeases(MAX_ATTEMPTS + 5);
    expect(await processDueRuns(app, { owner: "survivor" })).toMatchObject({ delivered: 0, failed: 0 });
    expect(await db.prisma.deliveryAttempt.count({ where: { runId } })).toBe(MAX_ATTEMPTS);
    expect(received.filter((m) => m.subject?.includes(`"${sub.name}"`))).toEqual([]);
  }, 240_000); // on PostgreSQL: six worker processes, each starting tsx

  test("a run that crashed its worker once is taken over and delivered once, the crash logged", async () => {
    const sub = await subscribe();
    await planDueRuns(db, DUE);
    const { id: runId } = await db.prisma.reportRun.findFirstOrThrow({ where: { subscriptionId: sub.id } });
    expect(await crash(runId, DUE, "crashing")).toBe(1);
    clock = afterLeases(1);
    expect(await processDueRuns(app, { owner: "survivor" })).toMatchObject({ delivered: 1, failed: 0 });
    const log = await db.prisma.deliveryAttempt.findMany({ where: { runId }, orderBy: { attempt: "asc" } });
    expect(log.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "abandoned"],
      [2, "delivered"],
    ]);
    expect(received.filter((m) => m.subject?.includes(`"${sub.name}"`)).length).toBe(1);
  }, 120_000);
});
