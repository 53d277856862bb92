import { describe, expect, test } from "vitest";
import { claimNextRun, LEASE_MS, markDelivered, markFailed, MAX_ATTEMPTS, retryDelayMs } from "../../src/reports/runs/claim-run.ts";
import { planDueRuns } from "../../src/reports/runs/plan-runs.ts";
import { testDatabase } from "../helpers/database.ts";

const db = await testDatabase();
await db.prisma.workspace.create({ data: { id: "ws_s", name: "s", firstWeekday: 1 } });
let n = 0;
/** A weekly subscription (Mondays 09:00 UTC) scheduled from `from`. */
async function subscription(from: string, active = true): Promise<string> {
  const id = `sub_${++n}`;
  await db.prisma.reportSubscription.create({
    data: {
      id,
      workspaceId: "ws_s",
      name: id,
      cadence: "weekly",
      weekday: 1,
      time: "09:00",
      timezone: "UTC",
      types: [{ dataType: "users", groupBy: null }],
      channel: "email",
      recipients: ["a@x.test"],
      active,
      scheduledFrom: new Date(from),
    },
  });
  return id;
}
const runsOf = (subscriptionId: string) => db.prisma.reportRun.findMany({ where: { subscriptionId }, orderBy: { dueAt: "asc" } });
/** Leaves only this subscription's runs claimable, so tests do not see each other's. */
async function only(subscriptionId: string) {
  await db.prisma.reportRun.updateMany({
    where: { subscriptionId: { not: subscriptionId }, status: { in: ["pending", "running"] } },
    data: { status: "failed" },
  });
}

describe("planning runs", () => {
  test("after three weeks of downtime each missed week gets one run, and planning again adds none", async () => {
    const sub = await subscription("2026-10-01T00:00:00Z");
    // Tuesday 20 October 12:00: Mondays 5, 12 and 19 October have passed.
    const now = new Date("2026-10-20T12:00:00Z");
    expect(await planDueRuns(db, now)).toBe(3);
    expect(await planDueRuns(db, now)).toBe(0);
    expect((await runsOf(sub)).map((r) => `${r.periodStart}..${r.periodEnd} ${r.status}`)).toEqual([
      "2026-09-28..2026-10-04 pending",
      "2026-10-05..2026-10-11 pending",
      "2026-10-12..2026-10-18 pending",
    ]);
  });

  test("two schedulers planning the same instant create each run once", async () => {
    const sub = await subscription("2026-10-01T00:00:00Z");
    const now = new Date("2026-10-13T00:00:00Z");
    const [a, b] = await Promise.all([planDueRuns(db, now), planDueRuns(db, now)]);
    expect((await runsOf(sub)).length).toBe(2);
    expect(a + b).toBeGreaterThanOrEqual(2);
  });

  test("a paused subscription plans nothing", async () => {
    const sub = await subscription("2026-10-01T00:00:00Z", false);
    await planDueRuns(db, new Date("2026-10-20T00:00:00Z"));
    expect(await runsOf(sub)).toEqual([]);
  });
});

describe("claiming runs", () => {
  test("concurrent workers never take the same run", async () => {
    const sub = await subscription("2026-10-01T00:00:00Z");
    const now = new Date("2026-10-20T12:00:00Z");
    await planDueRuns(db, now);
    await only(sub);
    const claims = await Promise.all(["w1", "w2", "w3", "w4"].map((w) => claimNextRun(db, w, now)));
    const ids = claims.filter((c) => c !== null).map((c) => c!.id);
    expect(ids.length).toBe(3);
    expect(new Set(ids).size).toBe(3);
    expect(claims.filter((c) => c === null).length).toBe(1);
  });

  // A second connection holds the row lock: only PostgreSQL has one (PGlite serves one connection, one transaction at a time).
  test.runIf(db.kind === "postgres")("a run another worker is in the middle of claiming is passed over for the next due one", async () => {
    const sub = await subscription("2026-09-20T00:00:00Z");
    const now = new Date("2026-10-05T08:00:00Z");
    await planDueRuns(db, now); // Mondays 21 and 28 September (5 October's is due at 09:00)
    await only(sub);
    const [first, second] = await runsOf(sub);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let lockTaken = () => {};
    const locked = new Promise<void>((resolve) => (lockTaken = resolve));
    const holder = db.inRawTransaction(async (tx) => {
      await tx.query("select id from report_runs where workspace_id = $1 and id = $2 for update", ["ws_s", first!.id]);
      lockTaken();
      await held;
    });
    await locked;
    const claimed = await claimNextRun(db, "w1", now);
    release();
    await holder;
    expect(claimed?.id).toBe(second!.id);
    expect((await claimNextRun(db, "w2", now))?.id).toBe(first!.id);
    expect(await claimNextRun(db, "w3", now)).toBeNull();
  });

  test("a crashed worker's run is taken over once its lease ends, and delivered once", async () => {
    const sub = await subscription("2026-10-10T00:00:00Z");
    const now = new Date("2026-10-12T10:00:00Z");
    await planDueRuns(db, now);
    await only(sub);
    const first = await claimNextRun(db, "crashed", now);
    expect(first?.attempts).toBe(1);
    // 09:59 into the lease nobody else may take it …
    expect(await claimNextRun(db, "w2", new Date(now.getTime() + LEASE_MS - 1000))).toBeNull();
    // … after it, w2 does, as the second attempt.
    const later = new Date(now.getTime() + LEASE_MS + 1000);
    const second = await claimNextRun(db, "w2", later);
    expect([second?.id, second?.attempts]).toEqual([first?.id, 2]);
    expect(await markDelivered(db, second!, "w2", later, "msg-1")).toBe(true);
    // The crashed worker coming back cannot overwrite the outcome.
    expect(await markFailed(db, first!, "crashed", later, { message: "late", retryable: true })).toBe(false);
    const [run] = await runsOf(sub);
    expect([run!.status, run!.attempts, run!.lastError]).toEqual(["delivered", 2, null]);
    const log = await db.prisma.deliveryAttempt.findMany({ where: { runId: run!.id }, orderBy: { attempt: "asc" } });
    expect(log.map((a) => [a.attempt, a.outcome, a.detail, a.finishedAt])).toEqual([
      [1, "abandoned", null, later],
      [2, "delivered", "msg-1", later],
    ]);
    expect(log[0]!.error).toBe('worker "crashed" crashed or was cut short before finishing (its lease ran out)');
  });

  test("workers racing for an expired lease: one takes it over, and the crashed attempt is closed once", async () => {
    const sub = await subscription("2026-10-10T00:00:00Z");
    const now = new Date("2026-10-12T10:00:00Z");
    await planDueRuns(db, now);
    await only(sub);
    await claimNextRun(db, "crashed", now);
    const later = new Date(now.getTime() + LEASE_MS + 1000);
    const claims = await Promise.all(["w1", "w2", "w3"].map((w) => claimNextRun(db, w, later)));
    expect(claims.filter((c) => c !== null).map((c) => c!.attempts)).toEqual([2]);
    const log = await db.prisma.deliveryAttempt.findMany({ where: { run: { subscriptionId: sub } }, orderBy: { attempt: "asc" } });
    expect(log.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, "abandoned"],
      [2, null],
    ]);
  });

  test("a run whose lease ran out on its last attempt is failed, not claimed, and the next due run is claimed instead", async () => {
    const sub = await subscription("2026-09-20T00:00:00Z");
    let now = new Date("2026-10-05T10:00:00Z");
    await planDueRuns(db, now); // Mondays 21 and 28 September
    await only(sub);
    const [first, second] = await runsOf(sub);
    // Four attempts fail with SMTP down; the fifth worker crashes.
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const run = await claimNextRun(db, "w", now, { run: first! });
      await markFailed(db, run!, "w", now, { message: "SMTP down", retryable: true });
      now = (await db.prisma.reportRun.findFirstOrThrow({ where: { id: first!.id } })).nextAttemptAt;
    }
    expect((await claimNextRun(db, "crashed", now, { run: first! }))?.attempts).toBe(MAX_ATTEMPTS);

    const later = new Date(now.getTime() + LEASE_MS + 1000);
    const gaveUp: string[] = [];
    const next = await claimNextRun(db, "w", later, { onGaveUp: (r) => gaveUp.push(r.id) });
    expect([next?.id, gaveUp]).toEqual([second!.id, [first!.id]]);
    const failed = await db.prisma.reportRun.findFirstOrThrow({ where: { id: first!.id } });
    expect([failed.status, failed.attempts, failed.leaseOwner, failed.lastError]).toEqual([
      "failed",
      MAX_ATTEMPTS,
      null,
      `gave up after ${MAX_ATTEMPTS} attempts; the worker crashed or was cut short on 1 of them; earlier error: SMTP down`,
    ]);
    const outcomes = (await db.prisma.deliveryAttempt.findMany({ where: { runId: first!.id }, orderBy: { attempt: "asc" } })).map(
      (a) => a.outcome,
    );
    expect(outcomes).toEqual(["retrying", "retrying", "retrying", "retrying", "abandoned"]);
    // Asked for by id (a re-send racing the scheduler), a given-up run is not claimed either.
    expect(await claimNextRun(db, "w", new Date(later.getTime() + 10 * LEASE_MS), { run: first! })).toBeNull();
  });

  test("retryable failures back off, then the run is marked failed after the last attempt", async () => {
    const sub = await subscription("2026-10-10T00:00:00Z");
    let now = new Date("2026-10-12T10:00:00Z");
    await planDueRuns(db, now);
    await only(sub);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const run = await claimNextRun(db, "w", now);
      expect(run?.attempts).toBe(attempt);
      await markFailed(db, run!, "w", now, { message: "SMTP down", retryable: true });
      const [after] = await runsOf(sub);
      if (attempt < MAX_ATTEMPTS) {
        expect(after!.status).toBe("pending");
        expect(after!.nextAttemptAt.getTime() - now.getTime()).toBe(retryDelayMs(attempt));
        // Not due again before the backoff ends.
        expect(await claimNextRun(db, "w", new Date(after!.nextAttemptAt.getTime() - 1))).toBeNull();
        now = after!.nextAttemptAt;
      } else {
        expect([after!.status, after!.lastError]).toEqual(["failed", "SMTP down"]);
      }
    }
    const outcomes = (
      await db.prisma.deliveryAttempt.findMany({ where: { run: { subscriptionId: sub } }, orderBy: { attempt: "asc" } })
    ).map((a) => a.outcome);
    expect(outcomes).toEqual(["retrying", "retrying", "retrying", "retrying", "failed"]);
  });

  test("a permanent failure is not retried; a channel's Retry-After lengthens the backoff", async () => {
    expect(retryDelayMs(1)).toBe(60_000);
    expect(retryDelayMs(3)).toBe(240_000);
    expect(retryDelayMs(10)).toBe(3_600_000);
    expect(retryDelayMs(1, 90_000)).toBe(90_000);
    const sub = await subscription("2026-10-10T00:00:00Z");
    const now = new Date("2026-10-12T10:00:00Z");
    await planDueRuns(db, now);
    await only(sub);
    const run = await claimNextRun(db, "w", now);
    await markFailed(db, run!, "w", now, { message: "550 unknown recipient", retryable: false });
    expect((await runsOf(sub)).map((r) => [r.status, r.attempts])).toEqual([["failed", 1]]);
  });
});
