import { randomUUID } from "node:crypto";
import type { Database, RawSession } from "../../db/client.ts";
import type { ReportRun } from "../../generated/prisma/client.ts";

const MINUTE_MS = 60_000;
/** How long a worker may hold a run before another may take it over (a crashed worker's runs come back). */
export const LEASE_MS = 10 * MINUTE_MS;
/** Tries before a run is marked failed; attempts cut short by a crash count too. */
export const MAX_ATTEMPTS = 5;

/** A run by its key: its workspace (the distribution column, docs/scale-out.md) and id. */
export interface RunKey {
  workspaceId: string;
  id: string;
}

/** A run that had used every attempt when its last lease ran out: marked failed instead of claimed. */
export interface GaveUpRun {
  id: string;
  lastError: string;
}

export interface ClaimOptions {
  /** Only this run (a test send or re-send): null if it is not due or is held. */
  run?: RunKey;
  /** Told of each run given up on the way (for the caller's log and counts). */
  onGaveUp?: (run: GaveUpRun) => void;
}

/**
 * Takes the oldest run that is due and not held by a live lease, for `owner`.
 * The oldest is found across workspaces without a lock, then locked by its key
 * with `FOR UPDATE SKIP LOCKED` and checked again: several workers claim side
 * by side without ever taking the same run, and a run another worker is
 * locking is passed over. (A distributed PostgreSQL locks rows only in a
 * query on one workspace: docs/scale-out.md.) Each claim counts as one
 * attempt and is logged.
 * A run whose lease ran out was left by a worker that crashed or was cut
 * short: that attempt is logged `abandoned`, and once the run has used
 * MAX_ATTEMPTS it is marked failed rather than tried again (a run that crashes
 * its worker every time must not be delivered on the ninth try, or ever loop).
 */
export async function claimNextRun(db: Database, owner: string, now: Date, opts: ClaimOptions = {}): Promise<ReportRun | null> {
  /** Runs found locked by another worker's claim in this call (run ids are UUIDs, unique across workspaces). */
  const passedOver: string[] = [];
  for (;;) {
    // One transaction per candidate: the attempt row exists exactly when the claim does.
    const result = await db.inRawTransaction((tx) => claimOne(tx, owner, now, opts.run, passedOver));
    if (result === null) return null;
    if ("passedOver" in result) {
      passedOver.push(result.passedOver);
      continue;
    }
    if ("gaveUp" in result) {
      opts.onGaveUp?.(result.gaveUp);
      continue; // that run is failed now: look for the next one
    }
    return db.prisma.reportRun.findUniqueOrThrow({ where: { workspaceId_id: result.claimed } });
  }
}

interface Candidate {
  workspace_id: string;
  id: string;
  attempts: number;
  status: string;
  lease_owner: string | null;
  last_error: string | null;
}

type ClaimResult = { claimed: RunKey } | { gaveUp: GaveUpRun } | { passedOver: string } | null;

/** Due, and not held by a live lease ($1: now). */
const CLAIMABLE = `status in ('pending', 'running') and next_attempt_at <= $1::timestamptz
  and (lease_until is null or lease_until < $1::timestamptz)`;

/** Locks the first candidate and claims it, or gives it up; null when none is free. Runs in `tx`. */
async function claimOne(tx: RawSession, owner: string, now: Date, only: RunKey | undefined, passedOver: string[]): Promise<ClaimResult> {
  const at = now.toISOString();
  // The one scan across workspaces, without a lock (a fan-out query on a distributed database).
  const [oldest] = only
    ? [only]
    : await tx.query<RunKey>(
        `select workspace_id as "workspaceId", id from report_runs
         where ${CLAIMABLE} and id <> all($2::text[])
         order by due_at, id
         limit 1`,
        [at, passedOver],
      );
  if (!oldest) return null;
  const [run] = await tx.query<Candidate>(
    `select workspace_id, id, attempts, status::text as status, lease_owner, last_error from report_runs
     where workspace_id = $2 and id = $3 and ${CLAIMABLE}
     for update skip locked`,
    [at, oldest.workspaceId, oldest.id],
  );
  // Locked by another worker's claim, or no longer due (claimed meanwhile): the next candidate, if any.
  if (!run) return only ? null : { passedOver: oldest.id };
  // `running` past its lease: the holder never recorded an outcome.
  if (run.status === "running") await abandonAttempt(tx, run, now);
  if (run.attempts >= MAX_ATTEMPTS) return { gaveUp: await giveUp(tx, run) };
  const leaseUntil = new Date(now.getTime() + LEASE_MS).toISOString();
  const [claimed] = await tx.query<{ attempts: number }>(
    `update report_runs set status = 'running', lease_owner = $3, lease_until = $4::timestamptz, attempts = attempts + 1
     where workspace_id = $1 and id = $2 returning attempts`,
    [run.workspace_id, run.id, owner, leaseUntil],
  );
  await tx.query(`insert into delivery_attempts (workspace_id, id, run_id, attempt, started_at) values ($1, $2, $3, $4, $5::timestamptz)`, [
    run.workspace_id,
    randomUUID(),
    run.id,
    claimed!.attempts,
    at,
  ]);
  return { claimed: { workspaceId: run.workspace_id, id: run.id } };
}

/** Closes the attempt a worker left without an outcome. */
async function abandonAttempt(tx: RawSession, run: Candidate, now: Date): Promise<void> {
  const who = run.lease_owner ? `worker "${run.lease_owner}"` : "the worker";
  await tx.query(
    `update delivery_attempts set outcome = 'abandoned', finished_at = $4::timestamptz, error = $5
     where workspace_id = $1 and run_id = $2 and attempt = $3 and outcome is null`,
    [run.workspace_id, run.id, run.attempts, now.toISOString(), `${who} crashed or was cut short before finishing (its lease ran out)`],
  );
}

/** Marks a run that used every attempt failed, saying how many of them were cut short. */
async function giveUp(tx: RawSession, run: Candidate): Promise<GaveUpRun> {
  const [{ abandoned } = { abandoned: 0 }] = await tx.query<{ abandoned: number }>(
    `select count(*)::int as abandoned from delivery_attempts where workspace_id = $1 and run_id = $2 and outcome = 'abandoned'`,
    [run.workspace_id, run.id],
  );
  const lastError =
    abandoned >= run.attempts
      ? `the worker crashed or was cut short on every attempt (${run.attempts} of ${MAX_ATTEMPTS})`
      : `gave up after ${run.attempts} attempts; the worker crashed or was cut short on ${abandoned} of them` +
        (run.last_error ? `; earlier error: ${run.last_error}` : "");
  await tx.query(
    `update report_runs set status = 'failed', lease_owner = null, lease_until = null, last_error = $3 where workspace_id = $1 and id = $2`,
    [run.workspace_id, run.id, lastError],
  );
  return { id: run.id, lastError };
}

/** Backoff after the n-th failed attempt: 1, 2, 4, 8 … minutes, at most an hour, or longer if the channel asked. */
export function retryDelayMs(attempt: number, retryAfterMs = 0): number {
  return Math.max(Math.min(2 ** (attempt - 1) * MINUTE_MS, 60 * MINUTE_MS), retryAfterMs);
}

/** What finishing an attempt writes: the run's new state and the attempt's outcome. */
interface Finish {
  status: "pending" | "delivered" | "failed";
  /** When the next attempt may start (a retry); null leaves it as it was. */
  nextAttemptAt: Date | null;
  lastError: string | null;
  outcome: "delivered" | "retrying" | "failed";
  detail: string | null;
}

/**
 * Records the attempt's outcome, in one transaction: the run's new state and its
 * attempt row together, or neither. Unless the lease was lost to another worker
 * (the run is no longer this owner's attempt): then nothing changes.
 */
function finish(db: Database, run: ReportRun, owner: string, now: Date, f: Finish): Promise<boolean> {
  const at = now.toISOString();
  return db.inRawTransaction(async (tx) => {
    const held = await tx.query<{ id: string }>(
      `update report_runs set status = $4::report_run_status, next_attempt_at = coalesce($5::timestamptz, next_attempt_at),
         delivered_at = coalesce($6::timestamptz, delivered_at),
         last_error = $7, lease_owner = null, lease_until = null
       where workspace_id = $8 and id = $1 and lease_owner = $2 and attempts = $3
       returning id`,
      [
        run.id,
        owner,
        run.attempts,
        f.status,
        f.nextAttemptAt?.toISOString() ?? null,
        f.status === "delivered" ? at : null,
        f.lastError,
        run.workspaceId,
      ],
    );
    if (held.length === 0) return false;
    await tx.query(
      `update delivery_attempts set finished_at = $4::timestamptz, outcome = $5, error = $6, detail = $7
       where workspace_id = $1 and run_id = $2 and attempt = $3`,
      [run.workspaceId, run.id, run.attempts, at, f.outcome, f.lastError, f.detail],
    );
    return true;
  });
}

export function markDelivered(db: Database, run: ReportRun, owner: string, now: Date, detail: string): Promise<boolean> {
  return finish(db, run, owner, now, { status: "delivered", nextAttemptAt: null, lastError: null, outcome: "delivered", detail });
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
  return finish(db, run, owner, now, {
    status: retry ? "pending" : "failed",
    nextAttemptAt: retry ? new Date(now.getTime() + retryDelayMs(run.attempts, error.retryAfterMs)) : null,
    lastError: error.message,
    outcome: retry ? "retrying" : "failed",
    detail: null,
  });
}
