import { randomUUID } from "node:crypto";
import type { Database } from "../../db/client.ts";
import { Prisma, type ReportRun } from "../../generated/prisma/client.ts";

const MINUTE_MS = 60_000;
/** How long a worker may hold a run before another may take it over (a crashed worker's runs come back). */
export const LEASE_MS = 10 * MINUTE_MS;
/** Tries before a run is marked failed. */
export const MAX_ATTEMPTS = 5;

/**
 * Takes the oldest run that is due and not held by a live lease, for `owner`.
 * `FOR UPDATE SKIP LOCKED` lets several workers claim side by side without
 * ever taking the same run; each claim counts as one attempt and is logged.
 * With `runId`, only that run is taken (null if it is not due or is held).
 */
export async function claimNextRun(db: Database, owner: string, now: Date, runId?: string): Promise<ReportRun | null> {
  const leaseUntil = new Date(now.getTime() + LEASE_MS);
  const claimed = await db.prisma.$queryRaw<{ id: string; attempts: number }[]>`
    update report_runs
    set status = 'running', lease_owner = ${owner}, lease_until = ${leaseUntil}, attempts = attempts + 1
    where id = (
      select id from report_runs
      where status in ('pending', 'running') and next_attempt_at <= ${now}
        and (lease_until is null or lease_until < ${now})
        ${runId === undefined ? Prisma.empty : Prisma.sql`and id = ${runId}`}
      order by due_at, id
      limit 1
      for update skip locked
    )
    returning id, attempts`;
  const row = claimed[0];
  if (!row) return null;
  await db.prisma.deliveryAttempt.create({ data: { id: randomUUID(), runId: row.id, attempt: row.attempts, startedAt: now } });
  return db.prisma.reportRun.findUniqueOrThrow({ where: { id: row.id } });
}

/** Backoff after the n-th failed attempt: 1, 2, 4, 8 … minutes, at most an hour, or longer if the channel asked. */
export function retryDelayMs(attempt: number, retryAfterMs = 0): number {
  return Math.max(Math.min(2 ** (attempt - 1) * MINUTE_MS, 60 * MINUTE_MS), retryAfterMs);
}

/** Records the attempt's outcome, unless the lease was lost to another worker (then it changes nothing). */
async function finish(
  db: Database,
  run: ReportRun,
  owner: string,
  now: Date,
  data: Partial<Pick<ReportRun, "status" | "nextAttemptAt" | "deliveredAt" | "lastError">>,
  attempt: { outcome: string; error?: string; detail?: string },
): Promise<boolean> {
  const { count } = await db.prisma.reportRun.updateMany({
    where: { id: run.id, leaseOwner: owner, attempts: run.attempts },
    data: { ...data, leaseOwner: null, leaseUntil: null },
  });
  if (count === 0) return false;
  await db.prisma.deliveryAttempt.updateMany({
    where: { runId: run.id, attempt: run.attempts },
    data: { finishedAt: now, outcome: attempt.outcome, error: attempt.error ?? null, detail: attempt.detail ?? null },
  });
  return true;
}

export function markDelivered(db: Database, run: ReportRun, owner: string, now: Date, detail: string): Promise<boolean> {
  return finish(db, run, owner, now, { status: "delivered", deliveredAt: now, lastError: null }, { outcome: "delivered", detail });
}

/** A failed attempt: retried with backoff while it may help and attempts remain; otherwise the run has failed. */
export function markFailed(
  db: Database,
  run: ReportRun,
  owner: string,
  now: Date,
  error: { message: string; retryable: boolean; retryAfterMs?: number },
): Promise<boolean> {
  const retry = error.retryable && run.attempts < MAX_ATTEMPTS;
  return finish(
    db,
    run,
    owner,
    now,
    retry
      ? { status: "pending", nextAttemptAt: new Date(now.getTime() + retryDelayMs(run.attempts, error.retryAfterMs)), lastError: error.message }
      : { status: "failed", lastError: error.message },
    { outcome: retry ? "retrying" : "failed", error: error.message },
  );
}
