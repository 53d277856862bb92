import type { Database, RawSession } from "../db/client.ts";

/**
 * How many jobs of one workspace run at once, across every instance: a
 * workspace's large exports queue behind each other instead of taking every
 * worker (and database connection) from the others.
 */
export const MAX_RUNNING_PER_WORKSPACE = 2;
/** How long a claim holds a job; its worker renews it every HEARTBEAT_MS, so only a dead worker's lease runs out. */
const LEASE_MS = 20_000;
export const HEARTBEAT_MS = 5_000;

/** A claimed job: who holds it and as which attempt (every later write is guarded by both). */
export interface Claim {
  workspaceId: string;
  id: string;
  owner: string;
  attempt: number;
}

interface Candidate {
  workspace_id: string;
  id: string;
  cancel_requested: boolean;
}

/** Queued, or running under a lease that ran out. */
const CLAIMABLE = "(status = 'queued' or (status = 'running' and lease_until < now()))";

/**
 * Takes the oldest queued job, or a running one whose lease ran out (its
 * worker crashed: the job is run again from the start), of a workspace with
 * fewer than MAX_RUNNING_PER_WORKSPACE jobs running. One transaction: the
 * oldest is found across workspaces without a lock, then locked by its key
 * with `FOR UPDATE SKIP LOCKED` and checked again, so workers claim side by
 * side without taking the same job (a distributed PostgreSQL locks rows only
 * in a query on one workspace: docs/scale-out.md); a transaction-scoped
 * advisory lock per workspace makes its count and the claim one step, so two
 * workers never both take its last slot.
 */
export async function claimNextJob(db: Database, owner: string): Promise<Claim | null> {
  return db.inRawTransaction(async (tx) => {
    const full: string[] = [];
    /** Jobs another worker is claiming (locked): job ids are UUIDs, unique across workspaces. */
    const passedOver: string[] = [];
    for (;;) {
      // The one scan across workspaces (a fan-out query on a distributed database).
      const [oldest] = await tx.query<{ workspace_id: string; id: string }>(
        `select workspace_id, id from export_jobs
         where ${CLAIMABLE} and not (workspace_id = any($1::text[])) and id <> all($2::text[])
         order by created_at, id
         limit 1`,
        [full, passedOver],
      );
      if (!oldest) return null;
      const [job] = await tx.query<Candidate>(
        `select workspace_id, id, cancel_requested from export_jobs
         where workspace_id = $1 and id = $2 and ${CLAIMABLE}
         for update skip locked`,
        [oldest.workspace_id, oldest.id],
      );
      if (!job) {
        passedOver.push(oldest.id);
        continue;
      }
      if (job.cancel_requested) {
        // Its worker died after a cancel was asked for: nothing more to run.
        await tx.query(
          `update export_jobs set status = 'cancelled', finished_at = now(), lease_owner = null, lease_until = null
           where workspace_id = $1 and id = $2`,
          [job.workspace_id, job.id],
        );
        continue;
      }
      if (await workspaceFull(tx, job.workspace_id, job.id)) {
        full.push(job.workspace_id);
        continue;
      }
      const [claimed] = await tx.query<{ attempts: number }>(
        `update export_jobs set status = 'running', lease_owner = $3, lease_until = now() + $4 * interval '1 millisecond',
           attempts = attempts + 1, rows_written = 0, started_at = coalesce(started_at, now())
         where workspace_id = $1 and id = $2 returning attempts`,
        [job.workspace_id, job.id, owner, LEASE_MS],
      );
      return { workspaceId: job.workspace_id, id: job.id, owner, attempt: claimed!.attempts };
    }
  });
}

/** Whether the workspace already runs its most jobs (other than `id`), under its claim lock. */
async function workspaceFull(tx: RawSession, workspaceId: string, id: string): Promise<boolean> {
  await tx.query("select pg_advisory_xact_lock(hashtext('export-jobs:' || $1::text))", [workspaceId]);
  const [{ running } = { running: 0 }] = await tx.query<{ running: number }>(
    `select count(*)::int as running from export_jobs
     where workspace_id = $1 and id <> $2 and status = 'running' and lease_until >= now()`,
    [workspaceId, id],
  );
  return running >= MAX_RUNNING_PER_WORKSPACE;
}

/**
 * A progress point: renews the lease and records the rows written. Says
 * whether to go on: `lost` when the job is no longer this claim's (its lease
 * ran out and another worker took it), `cancelled` when a cancel was asked for.
 */
export async function renewLease(db: Database, claim: Claim, rowsWritten: number): Promise<"go-on" | "lost" | "cancelled"> {
  const [row] = await db.withRawSession((s) =>
    s.query<{ cancel_requested: boolean }>(
      `update export_jobs set lease_until = now() + $5 * interval '1 millisecond', rows_written = $6
       where workspace_id = $1 and id = $2 and lease_owner = $3 and attempts = $4 and status = 'running'
       returning cancel_requested`,
      [claim.workspaceId, claim.id, claim.owner, claim.attempt, LEASE_MS, rowsWritten],
    ),
  );
  if (!row) return "lost";
  return row.cancel_requested ? "cancelled" : "go-on";
}

/** How an attempt ended. */
export type Outcome =
  | { status: "succeeded"; result: string; rows: number }
  | { status: "failed"; error: { error: string; message: string } }
  | { status: "cancelled" }
  /** The process is stopping: the job goes back to the queue for the next worker. */
  | { status: "queued" };

/**
 * Records an attempt's outcome in one statement guarded by the claim, so a
 * worker whose lease was taken over records nothing. A success that a cancel
 * overtook is recorded as cancelled. Returns the status recorded, or null.
 */
export async function finishJob(db: Database, claim: Claim, outcome: Outcome): Promise<string | null> {
  const [row] = await db.withRawSession((s) =>
    s.query<{ status: string }>(
      `update export_jobs set
         status = case when cancel_requested and $5::text <> 'failed' then 'cancelled' else $5::text end::export_job_status,
         result = case when cancel_requested then null else $6::text end,
         error = case when cancel_requested and $5::text <> 'failed' then null else $7::jsonb end,
         rows_written = coalesce($8::int, rows_written),
         finished_at = case when $5::text = 'queued' and not cancel_requested then null else now() end,
         lease_owner = null, lease_until = null
       where workspace_id = $1 and id = $2 and lease_owner = $3 and attempts = $4 and status = 'running'
       returning status::text as status`,
      [
        claim.workspaceId,
        claim.id,
        claim.owner,
        claim.attempt,
        outcome.status,
        outcome.status === "succeeded" ? outcome.result : null,
        outcome.status === "failed" ? JSON.stringify(outcome.error) : null,
        outcome.status === "succeeded" ? outcome.rows : null,
      ],
    ),
  );
  return row?.status ?? null;
}
