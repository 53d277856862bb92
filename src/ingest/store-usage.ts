import type { RawSession } from "../db/client.ts";
import { CopyBytes, copyField } from "../db/copy-text.ts";
import { compareKeys } from "../db/lock-order.ts";
import { isUniqueViolation } from "../db/sql-state.ts";
import { lockUsagePartitions } from "../usage/partitions/ensure-partitions.ts";
import { normalizeModelName } from "../usage/shared/model-names.ts";
import type { UsageInput } from "./records.ts";

/** A usual COPY row's size, to size a batch's buffer once (it grows if a batch needs more). */
const COPY_ROW_BYTES = 448;
/** Rows per INSERT of the fallback path (one JSON parameter each). */
const FALLBACK_CHUNK = 5_000;

/** A usage_records row as the fallback INSERT reads it from JSON. */
interface UsageRow {
  kind: UsageInput["type"];
  id: string;
  occurred_at: string;
  user_id: string | null;
  api_key_id: string | null;
  surface: string | null;
  agent_id: string | null;
  project_id: string | null;
  conversation_id: string | null;
  action: string | null;
  model: string;
  model_raw: string;
  provider: string;
  source: string;
  deployment_id: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cached_prompt_tokens: number;
  cache_creation_tokens: number;
  cost_usd: string;
  payg_cost_usd: string;
}

/** The usage_records columns a row sets, in COPY order (the benchmark's bulk load writes the same). */
export const USAGE_ROW_COLUMNS = [
  "kind",
  "id",
  "occurred_at",
  "user_id",
  "api_key_id",
  "surface",
  "agent_id",
  "project_id",
  "conversation_id",
  "action",
  "model",
  "model_raw",
  "provider",
  "source",
  "deployment_id",
  "prompt_tokens",
  "completion_tokens",
  "cached_prompt_tokens",
  "cache_creation_tokens",
  "cost_usd",
  "payg_cost_usd",
] as const satisfies readonly (keyof UsageRow)[];
const COPY_COLUMNS = ["workspace_id", ...USAGE_ROW_COLUMNS, "received_at"] as const;

/**
 * Stores usage rows, skipping ids already stored; returns how many were new.
 * Call it first in its transaction, before the directory upsert (lock order below).
 *
 * Records are sent once as a rule, so the batch is first loaded with one COPY,
 * the bulk path PostgreSQL is fastest at. The trigger on usage_records fires
 * once for the batch: it adds each record's (workspace, kind, id) to
 * usage_record_keys, then updates the rollups. usage_records is partitioned by
 * month and a partitioned table's keys must include occurred_at, so the key
 * table is where a re-sent id is caught, whatever its occurredAt (SPEC §7): its
 * primary key fails the COPY, which is rolled back to its savepoint, and the
 * batch goes through insertSkippingStored. Filling the keys inside the
 * statement, from its transition table, keeps the fast path one COPY (a second
 * COPY into the key table would cost another round trip and parse) and keeps
 * the keys of every other writer right too.
 *
 * Writers of one workspace store side by side: the workspace's usage lock is
 * taken shared (only a rollup rebuild or a renormalization takes it whole), so
 * two batches' COPYs run on two database cores at once. Where two writers hold
 * the same record they meet on its key, and the second waits for the first's
 * commit, then fails and skips it. They take row locks in one order (migration
 * …_usage_writers_in_parallel): usage_records rows (the COPY text is sorted by
 * the table's key), record keys, rollup rows, directory versions, the
 * workspace row. Lock order before that, the same for every writer: the
 * batch's month partitions (created when missing, held so retention can't drop
 * them meanwhile), then the usage lock.
 */
export async function insertUsage(session: RawSession, workspaceId: string, records: UsageInput[], receivedAt: Date): Promise<number> {
  if (records.length === 0) return 0;
  const { text, months } = copyText(workspaceId, records, receivedAt.toISOString());
  await lockUsagePartitions(session, months);
  await session.query("select pg_advisory_xact_lock_shared(hashtextextended('usage-rollups:' || $1, 0))::text", [workspaceId]);
  await session.exec("savepoint usage_copy");
  try {
    const copied = await session.copyFrom("usage_records", COPY_COLUMNS, text);
    await session.exec("release savepoint usage_copy");
    return copied;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await session.exec("rollback to savepoint usage_copy");
    return insertSkippingStored(session, workspaceId, records.map(usageRow), receivedAt);
  }
}

/**
 * COPY text of the records, fields in COPY_COLUMNS order, straight from the
 * records (no row objects: this is the hot path), and the months they fall in.
 * Rows go in usage_records' key order, so two writers holding the same records
 * wait for each other in one order instead of deadlocking.
 */
function copyText(workspaceId: string, records: UsageInput[], receivedAt: string): { text: Buffer<ArrayBuffer>; months: Set<string> } {
  const workspace = copyField(workspaceId);
  const received = copyField(receivedAt);
  const months = new Set<string>();
  const text = new CopyBytes(records.length * COPY_ROW_BYTES);
  for (const { record: r, occurredAt } of inKeyOrder(records)) {
    const message = r.type === "message" ? r : null;
    months.add(`${occurredAt.slice(0, 7)}-01`);
    text.push(
      `${workspace}\t${r.type}\t${copyField(r.id)}\t${occurredAt}\t${copyField(message?.userId ?? null)}\t${copyField(
        r.type === "api_request" ? r.apiKeyId : null,
      )}\t${copyField(message?.surface ?? null)}\t${copyField(message?.agentId ?? null)}\t${copyField(message?.projectId ?? null)}\t${copyField(
        message?.conversationId ?? null,
      )}\t${copyField(message?.action ?? null)}\t${copyField(normalizeModelName(r.model))}\t${copyField(r.model)}\t${copyField(
        r.provider,
      )}\t${copyField(r.source)}\t${copyField(r.deploymentId ?? null)}\t${r.promptTokens}\t${r.completionTokens}\t${r.cachedPromptTokens}\t${
        r.cacheCreationTokens
      }\t${r.costUsd}\t${r.paygCostUsd}\t${received}\n`,
    );
  }
  return { text: text.bytes(), months };
}

/**
 * The path for a batch holding ids already stored: claims the batch's keys in
 * usage_record_keys (ON CONFLICT DO NOTHING waits for a writer still storing
 * one, then skips it if that writer commits), and stores the records whose key
 * it claimed, the trigger told not to add the keys again. ON CONFLICT on
 * usage_records only guards against records a load stored without their keys
 * (the trigger bypassed): their key is then claimed and they count as stored.
 */
async function insertSkippingStored(session: RawSession, workspaceId: string, rows: UsageRow[], receivedAt: Date): Promise<number> {
  let inserted = 0;
  await session.query("select set_config('usage_exports.keys_claimed', 'on', true)");
  for (let i = 0; i < rows.length; i += FALLBACK_CHUNK) {
    const [result] = await session.query<{ n: number }>(
      `with batch as (
        select * from json_to_recordset($3::json) as r(kind usage_kind, id text,
          occurred_at timestamptz, user_id text, api_key_id text, surface surface, agent_id text, project_id text,
          conversation_id text, action text, model text, model_raw text, provider text, source text, deployment_id text,
          prompt_tokens integer, completion_tokens integer, cached_prompt_tokens integer, cache_creation_tokens integer,
          cost_usd numeric, payg_cost_usd numeric)
      ), claimed as (
        insert into usage_record_keys (workspace_id, kind, id, occurred_at)
        select $1, kind, id, occurred_at from batch order by kind, id
        on conflict do nothing
        returning kind, id
      ), stored as (
        insert into usage_records (workspace_id, ${USAGE_ROW_COLUMNS.join(", ")}, received_at)
        select $1, b.kind, b.id, b.occurred_at, b.user_id, b.api_key_id, b.surface, b.agent_id, b.project_id,
          b.conversation_id, b.action, b.model, b.model_raw, b.provider, b.source, b.deployment_id, b.prompt_tokens,
          b.completion_tokens, b.cached_prompt_tokens, b.cache_creation_tokens, b.cost_usd, b.payg_cost_usd, $2::timestamptz
        from batch b join claimed c on c.kind = b.kind and c.id = b.id
        order by b.occurred_at, b.kind, b.id
        on conflict do nothing
        returning 1
      )
      select count(*)::int as n from stored`,
      [workspaceId, receivedAt.toISOString(), JSON.stringify(rows.slice(i, i + FALLBACK_CHUNK))],
    );
    inserted += result?.n ?? 0;
  }
  await session.query("select set_config('usage_exports.keys_claimed', 'off', true)");
  return inserted;
}

/** The records with their instants as stored, in usage_records' key order (occurred_at, kind, id). */
function inKeyOrder(records: UsageInput[]): { record: UsageInput; occurredAt: string }[] {
  return records
    .map((record) => {
      const occurredAt = new Date(record.occurredAt).toISOString();
      return { record, occurredAt, key: [occurredAt, record.type, record.id] };
    })
    .sort((a, b) => compareKeys(a.key, b.key));
}

/** Each (kind, id) once: a repeat within the batch is a duplicate. */
export function uniqueUsage(records: UsageInput[]): UsageInput[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = `${r.type}\u0000${r.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function usageRow(r: UsageInput): UsageRow {
  const message = r.type === "message" ? r : null;
  return {
    kind: r.type,
    id: r.id,
    occurred_at: new Date(r.occurredAt).toISOString(),
    user_id: message?.userId ?? null,
    api_key_id: r.type === "api_request" ? r.apiKeyId : null,
    surface: message?.surface ?? null,
    agent_id: message?.agentId ?? null,
    project_id: message?.projectId ?? null,
    conversation_id: message?.conversationId ?? null,
    action: message?.action ?? null,
    model: normalizeModelName(r.model),
    model_raw: r.model,
    provider: r.provider,
    source: r.source,
    deployment_id: r.deploymentId ?? null,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    cached_prompt_tokens: r.cachedPromptTokens,
    cache_creation_tokens: r.cacheCreationTokens,
    cost_usd: r.costUsd,
    payg_cost_usd: r.paygCostUsd,
  };
}
