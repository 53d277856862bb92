import type { RawSession } from "../db/client.ts";
import { copyField } from "../db/copy-text.ts";
import { isUniqueViolation } from "../db/unique-violation.ts";
import { lockUsagePartitions } from "../usage/partitions/ensure-partitions.ts";
import { normalizeModelName } from "../usage/shared/model-names.ts";
import type { UsageInput } from "./records.ts";

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
 * batch goes through an INSERT that leaves out the ids usage_record_keys holds.
 * Filling the keys inside the statement, from its transition table, keeps the
 * fast path one COPY (a second COPY into the key table would cost another
 * round trip and parse) and keeps the keys of every other writer right too.
 *
 * Lock order, the same for every writer: the batch's month partitions (created
 * when missing, held so retention can't drop them meanwhile), then the
 * workspace's usage lock, which the triggers take as well. Taking that lock
 * before the COPY rather than in the trigger makes the fallback exact: while it
 * is held no other writer of the workspace has keys in flight, so an id missing
 * from usage_record_keys is not stored. (Taken in the trigger only, a
 * concurrent COPY of the same id would hold its rows while waiting for the
 * lock, and deadlock with the fallback waiting on those rows.) Batches of one
 * workspace thus store one at a time; they already did from their trigger on.
 */
export async function insertUsage(session: RawSession, workspaceId: string, records: UsageInput[], receivedAt: Date): Promise<number> {
  if (records.length === 0) return 0;
  const { text, months } = copyText(workspaceId, records, receivedAt.toISOString());
  await lockUsagePartitions(session, months);
  await session.query("select pg_advisory_xact_lock(hashtextextended('usage-rollups:' || $1, 0))::text", [workspaceId]);
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
 */
function copyText(workspaceId: string, records: UsageInput[], receivedAt: string): { text: string; months: Set<string> } {
  const workspace = copyField(workspaceId);
  const received = copyField(receivedAt);
  const months = new Set<string>();
  let text = "";
  for (const r of records) {
    const message = r.type === "message" ? r : null;
    const occurredAt = new Date(r.occurredAt).toISOString();
    months.add(`${occurredAt.slice(0, 7)}-01`);
    text += `${workspace}\t${r.type}\t${copyField(r.id)}\t${occurredAt}\t${copyField(message?.userId ?? null)}\t${copyField(
      r.type === "api_request" ? r.apiKeyId : null,
    )}\t${copyField(message?.surface ?? null)}\t${copyField(message?.agentId ?? null)}\t${copyField(message?.projectId ?? null)}\t${copyField(
      message?.conversationId ?? null,
    )}\t${copyField(message?.action ?? null)}\t${copyField(normalizeModelName(r.model))}\t${copyField(r.model)}\t${copyField(
      r.provider,
    )}\t${copyField(r.source)}\t${copyField(r.deploymentId ?? null)}\t${r.promptTokens}\t${r.completionTokens}\t${r.cachedPromptTokens}\t${
      r.cacheCreationTokens
    }\t${r.costUsd}\t${r.paygCostUsd}\t${received}\n`;
  }
  return { text, months };
}

/**
 * The path for a batch holding ids already stored. It runs under the
 * workspace's usage lock (insertUsage), so the keys it reads are every key
 * committed or being stored; ON CONFLICT only guards against records a load
 * stored without their keys (the trigger bypassed), counting them as stored.
 */
async function insertSkippingStored(session: RawSession, workspaceId: string, rows: UsageRow[], receivedAt: Date): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += FALLBACK_CHUNK) {
    const [result] = await session.query<{ n: number }>(
      `with stored as (
        insert into usage_records (workspace_id, ${USAGE_ROW_COLUMNS.join(", ")}, received_at)
        select $1, r.kind::usage_kind, r.id, r.occurred_at, r.user_id, r.api_key_id, r.surface::surface, r.agent_id,
          r.project_id, r.conversation_id, r.action, r.model, r.model_raw, r.provider, r.source, r.deployment_id, r.prompt_tokens,
          r.completion_tokens, r.cached_prompt_tokens, r.cache_creation_tokens, r.cost_usd, r.payg_cost_usd, $2::timestamptz
        from json_to_recordset($3::json) as r(kind text, id text,
          occurred_at timestamptz, user_id text, api_key_id text, surface text, agent_id text, project_id text,
          conversation_id text, action text, model text, model_raw text, provider text, source text, deployment_id text,
          prompt_tokens integer, completion_tokens integer, cached_prompt_tokens integer, cache_creation_tokens integer,
          cost_usd numeric, payg_cost_usd numeric)
        where not exists (
          select 1 from usage_record_keys k where k.workspace_id = $1 and k.kind = r.kind::usage_kind and k.id = r.id)
        on conflict do nothing
        returning 1
      )
      select count(*)::int as n from stored`,
      [workspaceId, receivedAt.toISOString(), JSON.stringify(rows.slice(i, i + FALLBACK_CHUNK))],
    );
    inserted += result?.n ?? 0;
  }
  return inserted;
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
