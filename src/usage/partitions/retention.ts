import { setTimeout as sleep } from "node:timers/promises";
import type { Database } from "../../db/client.ts";
import { isLockNotAvailable } from "../../db/sql-state.ts";
import { MONTHLY_TABLES } from "../rollups/monthly-rollups.ts";
import { listUsagePartitions, USAGE_PARTITIONED_TABLES } from "./list-partitions.ts";
import { addMonths, monthOf } from "./months.ts";

export interface RetentionOptions {
  now: Date;
  /** USAGE_RETENTION_MONTHS: whole months kept before the current one. */
  months: number;
  /** Once aborted, no further try at the locks and no further batch of keys; the next run finishes. */
  signal?: AbortSignal;
  /** Tries at the tables' locks before the drop is left to the next run, and the pause between tries. */
  lockAttempts?: number;
  lockPauseMs?: number;
  /** usage_record_keys rows deleted per statement. */
  keyBatch?: number;
}

export interface RetentionResult {
  /** The oldest month kept, `YYYY-MM-01`. */
  firstKept: string;
  /** Partitions dropped (none when postponed). */
  dropped: string[];
  /** The tables stayed busy through every try: nothing was dropped, the next run tries again. */
  postponed: boolean;
  keysDeleted: number;
}

/**
 * Keeps the current month and the `months` before it, and drops every older
 * month: on 2026-12-10 with 13, 2025-11 onwards stays and 2025-10 goes, so a
 * period reaching back the 12 months SPEC §5 allows, from any time zone, never
 * meets a dropped month. The four tables' partitions of those months go in one
 * transaction, then the months' record keys, in batches (ids that old are
 * forgotten: sent again, a record is stored again, into a month the next run
 * drops). Idempotent and safe on several instances at once; keys an
 * interrupted run left are deleted by the next.
 */
export async function applyUsageRetention(db: Database, opts: RetentionOptions): Promise<RetentionResult> {
  const firstKept = addMonths(monthOf(opts.now), -opts.months);
  const expired = (await listUsagePartitions(db)).filter((p) => p.month < firstKept).map((p) => p.name);
  if (expired.length > 0 && !(await dropPartitions(db, expired, opts))) return { firstKept, dropped: [], postponed: true, keysDeleted: 0 };
  await deleteMonthlyBefore(db, firstKept);
  const keysDeleted = await deleteKeysBefore(db, new Date(`${firstKept}T00:00:00Z`), opts);
  return { firstKept, dropped: expired, postponed: false, keysDeleted };
}

/**
 * DROP TABLE of a partition takes ACCESS EXCLUSIVE on its parent, which waits
 * for every read and write of the table and holds up those that come after it.
 * So the four parents are locked first, each try waiting at most half a
 * second: shorter than PostgreSQL's deadlock_timeout (1 s), so when a
 * transaction holding one of the tables waits for another this one holds, this
 * one gives up rather than the other being cancelled as a deadlock. Returns
 * false when every try found the tables busy.
 */
async function dropPartitions(db: Database, names: string[], opts: RetentionOptions): Promise<boolean> {
  const attempts = opts.lockAttempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      await db.inRawTransaction(async (session) => {
        await session.exec("set local lock_timeout = '500ms'");
        await session.exec(`lock table ${USAGE_PARTITIONED_TABLES.map((t) => `only ${t}`).join(", ")} in access exclusive mode`);
        // Names from the catalog, matched by listUsagePartitions: [a-z0-9_] only.
        await session.exec(`drop table if exists ${names.map((n) => `"${n}"`).join(", ")}`);
      });
      return true;
    } catch (error) {
      if (!isLockNotAvailable(error)) throw error;
      if (attempt >= attempts || opts.signal?.aborted) return false;
      const paused = await sleep(opts.lockPauseMs ?? 3_000, true, { signal: opts.signal }).catch(() => false);
      if (!paused) return false;
    }
  }
}

/**
 * The monthly rollups are not partitioned (their months are the
 * workspaces' own, not UTC's): their months before the first kept one go by DELETE. A local
 * month just after them may still hold a few hours of a dropped UTC month; no
 * period reaches that far back (SPEC §5's 12 months, and 13 kept).
 */
async function deleteMonthlyBefore(db: Database, firstKept: string): Promise<void> {
  await db.inRawTransaction(async (session) => {
    for (const table of MONTHLY_TABLES) await session.query(`delete from ${table} where month < $1::date`, [firstKept]);
  });
}

/** Deletes the keys of records that occurred before `before`, a batch per statement (an index range each: usage_record_keys_occurred_at_idx). */
async function deleteKeysBefore(db: Database, before: Date, opts: RetentionOptions): Promise<number> {
  const batch = opts.keyBatch ?? 10_000;
  let deleted = 0;
  while (!opts.signal?.aborted) {
    const [row] = await db.withRawSession((session) =>
      session.query<{ n: number }>(
        `with gone as (
          delete from usage_record_keys where ctid = any(array(
            select ctid from usage_record_keys where occurred_at < $1 order by occurred_at limit $2))
          returning 1
        )
        select count(*)::int as n from gone`,
        [before.toISOString(), batch],
      ),
    );
    deleted += row?.n ?? 0;
    if ((row?.n ?? 0) < batch) break;
  }
  return deleted;
}
