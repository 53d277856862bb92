import type { Database, RawSession } from "../db/client.ts";
import { isDeadlock } from "../db/sql-state.ts";
import { compareKeys } from "../db/lock-order.ts";
import { storedDate } from "../usage/shared/directory-dates.ts";
import { yieldToEventLoop } from "./event-loop.ts";
import { ProblemList } from "./problems.ts";
import { isUsageRecord, validateRecord, type DirectoryRecord, type IngestRecord } from "./records.ts";
import { insertUsage, uniqueUsage } from "./store-usage.ts";

const DIRECTORY_CHUNK = 2_000;
/** Records validated between yields to the event loop: a failing record costs zod ~20 µs, so at most ~40 ms. */
const VALIDATION_SLICE = 2_000;

export interface IngestResult {
  /** Records stored or updated: every directory record plus each new usage record. */
  accepted: number;
  /** Usage records whose id was already stored (or sent earlier in the same request). */
  duplicates: number;
}

export interface IngestOptions {
  /** How record i is named in problems (`line 3`); `record i+1` by default. */
  label?: (index: number) => string;
  /** The time of receipt: a directory record's default effectiveAt. */
  now?: Date;
}

interface Indexed<T> {
  index: number;
  record: T;
}

/**
 * Stores a batch atomically (SPEC §7): every record is checked first and any
 * problem refuses the whole batch with one 400 listing the bad records (the
 * first 100, then an exact count of the rest: see problems.ts). Usage
 * records are idempotent by (kind, id); directory records add or replace the
 * version at their effectiveAt, so attribute history is kept.
 */
export async function ingestRecords(
  db: Database,
  workspaceId: string,
  records: unknown[],
  opts: IngestOptions = {},
): Promise<IngestResult> {
  const problems = new ProblemList();
  const valid: Indexed<IngestRecord>[] = [];
  for (let index = 0; index < records.length; index++) {
    if (index > 0 && index % VALIDATION_SLICE === 0) await yieldToEventLoop();
    // Past the listed problems, only whether the record is valid matters.
    const result = validateRecord(records[index], { describe: problems.wants(index) });
    if (result.ok) valid.push({ index, record: result.record });
    else problems.add(index, result.reason);
  }
  // Counted even when the batch is refused already, so the count of problems is exact.
  for (const { index, deploymentId } of await unknownDeployments(db, workspaceId, valid))
    problems.add(index, `deploymentId "${deploymentId}" is not a known deployment of this workspace`);
  if (problems.size > 0) throw problems.refusal(opts.label ?? ((i) => `record ${i + 1}`));

  const now = opts.now ?? new Date();
  const directory = valid.map((v) => v.record).filter((r): r is DirectoryRecord => !isUsageRecord(r));
  const usage = valid.map((v) => v.record).filter(isUsageRecord);
  const usageRows = uniqueUsage(usage);
  if (directory.length === 0 && usageRows.length === 0) return { accepted: 0, duplicates: 0 };

  // One transaction: a failure part-way (or a crash) leaves nothing of the batch behind.
  // On the driver, not Prisma: passing the batch's JSON through Prisma's query
  // compiler cost a quarter of the ingestion CPU.
  const stored = await retriedOnDeadlock(() =>
    db.inRawTransaction(async (session) => {
      // Locks in the order every writer takes them (store-usage.ts): usage, then
      // directory versions, then the workspace row, whose data_version the
      // triggers leave to this transaction's last write.
      await session.query("select set_config('usage_exports.data_version_by_caller', 'on', true)");
      const inserted = await insertUsage(session, workspaceId, usageRows, now);
      await upsertDirectory(session, workspaceId, directory, now);
      if (inserted > 0 || directory.length > 0)
        await session.query("update workspaces set data_version = data_version + 1 where id = $1", [workspaceId]);
      return inserted;
    }),
  );
  await db.wrote(directory.length + stored);
  return { accepted: directory.length + stored, duplicates: usage.length - stored };
}

/** Attempts at a batch the database ended to break a lock cycle. */
const DEADLOCK_ATTEMPTS = 3;

/**
 * Writers take locks in one order, but a batch re-sent while its first copy is
 * still being stored can meet it in the other order (the fallback claims keys
 * before rows, store-usage.ts). PostgreSQL then ends one transaction; it held
 * nothing that stays, so it runs again and finds the other's records stored.
 */
async function retriedOnDeadlock<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isDeadlock(error) || i >= DEADLOCK_ATTEMPTS) throw error;
    }
  }
}

/**
 * Usage records naming a deploymentId the workspace does not know: not stored
 * before and not sent in this batch. Deployment versions are never removed (a
 * deletedAt is only an attribute: usage may still name the deployment), so
 * checking before the write transaction cannot admit a stale id.
 */
async function unknownDeployments(
  db: Database,
  workspaceId: string,
  records: Indexed<IngestRecord>[],
): Promise<{ index: number; deploymentId: string }[]> {
  const known = new Set(records.filter((v) => v.record.type === "deployment").map((v) => v.record.id));
  const named = records.flatMap(({ index, record }) =>
    isUsageRecord(record) && record.deploymentId ? [{ index, deploymentId: record.deploymentId }] : [],
  );
  const toLookUp = [...new Set(named.map((n) => n.deploymentId).filter((d) => !known.has(d)))];
  if (toLookUp.length > 0) {
    const stored = await db.prisma.directoryVersion.findMany({
      where: { workspaceId, kind: "deployment", entityId: { in: toLookUp } },
      select: { entityId: true },
      distinct: ["entityId"],
    });
    for (const s of stored) known.add(s.entityId);
  }
  return named.filter((n) => !known.has(n.deploymentId));
}

/** The attributes the query layer reads (src/usage/<type>/query.ts), under fixed key names; absent text is null. */
function directoryAttrs(r: DirectoryRecord): Record<string, string | number | null> {
  switch (r.type) {
    case "user":
      return {
        name: r.name ?? null,
        email: r.email ?? null,
        role: r.role ?? null,
        department: r.department ?? null,
        companyName: r.companyName ?? null,
        licenseType: r.licenseType ?? null,
        paygLimit: r.paygLimit ?? null,
        joinedAt: storedDate(r.joinedAt),
        removedAt: storedDate(r.removedAt),
      };
    case "agent":
      return { name: r.name ?? null, description: r.description ?? null, url: r.url ?? null, ownerId: r.ownerId ?? null, ...lifetime(r) };
    case "project":
      return { name: r.name ?? null, ownerId: r.ownerId ?? null, ...lifetime(r) };
    case "api_key":
      return { name: r.name ?? null, ...lifetime(r) };
    case "deployment":
      return { name: r.name ?? null, model: r.model ?? null, provider: r.provider ?? null, ...lifetime(r) };
  }
}

/**
 * createdAt/deletedAt, only when given: an absent key reads as null, and records
 * without dates store exactly what they did before these fields existed. Each
 * version carries the whole record, so a later version without deletedAt undoes a deletion.
 */
function lifetime(r: { createdAt?: string | null; deletedAt?: string | null }): Record<string, string> {
  const dates: Record<string, string> = {};
  if (r.createdAt) dates.createdAt = storedDate(r.createdAt)!;
  if (r.deletedAt) dates.deletedAt = storedDate(r.deletedAt)!;
  return dates;
}

/**
 * One INSERT … ON CONFLICT per chunk: a version at the same (kind, entity,
 * effectiveAt) is replaced, a new effectiveAt adds a version. Within one
 * batch the last record for a version wins, as if sent one after the other.
 */
async function upsertDirectory(session: RawSession, workspaceId: string, records: DirectoryRecord[], now: Date) {
  const versions = new Map<string, { kind: string; entity_id: string; effective_at: string; attrs: object }>();
  for (const r of records) {
    const effectiveAt = (r.effectiveAt ? new Date(r.effectiveAt) : now).toISOString();
    versions.set(JSON.stringify([r.type, r.id, effectiveAt]), {
      kind: r.type,
      entity_id: r.id,
      effective_at: effectiveAt,
      attrs: directoryAttrs(r),
    });
  }
  // In key order, as every writer takes row locks (store-usage.ts).
  const rows = [...versions.values()].sort((a, b) =>
    compareKeys([a.kind, a.entity_id, a.effective_at], [b.kind, b.entity_id, b.effective_at]),
  );
  for (let i = 0; i < rows.length; i += DIRECTORY_CHUNK) {
    await session.query(
      `insert into directory_versions (workspace_id, kind, entity_id, effective_at, attrs, received_at)
      select $1, r.kind::directory_kind, r.entity_id, r.effective_at, r.attrs, $2::timestamptz
      from jsonb_to_recordset($3::jsonb) as r(kind text, entity_id text, effective_at timestamptz, attrs jsonb)
      on conflict (workspace_id, kind, entity_id, effective_at)
      do update set attrs = excluded.attrs, received_at = excluded.received_at`,
      [workspaceId, now.toISOString(), JSON.stringify(rows.slice(i, i + DIRECTORY_CHUNK))],
    );
  }
}
