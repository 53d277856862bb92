import type { RawSession } from "../db/client.ts";
import { copyField } from "../db/copy-text.ts";
import { isUniqueViolation } from "../db/unique-violation.ts";
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
 *
 * Records are sent once as a rule, so the batch is first loaded with one COPY,
 * the bulk path PostgreSQL is fastest at (the rollup trigger fires once for the
 * batch, as for any statement). COPY has no ON CONFLICT: when an id is already
 * stored (a re-sent batch, a resumed file) or being stored by another client at
 * the same moment, the COPY fails on the unique key, is rolled back to its
 * savepoint, and the batch goes through INSERT … ON CONFLICT DO NOTHING, which
 * waits for the other transaction and skips what is stored.
 */
export async function insertUsage(session: RawSession, workspaceId: string, records: UsageInput[], receivedAt: Date): Promise<number> {
  if (records.length === 0) return 0;
  await session.exec("savepoint usage_copy");
  try {
    const copied = await session.copyFrom("usage_records", COPY_COLUMNS, copyText(workspaceId, records, receivedAt.toISOString()));
    await session.exec("release savepoint usage_copy");
    return copied;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await session.exec("rollback to savepoint usage_copy");
    return insertSkippingStored(session, workspaceId, records.map(usageRow), receivedAt);
  }
}

/** COPY text of the records, fields in COPY_COLUMNS order, straight from the records (no row objects: this is the hot path). */
function copyText(workspaceId: string, records: UsageInput[], receivedAt: string): string {
  const workspace = copyField(workspaceId);
  const received = copyField(receivedAt);
  let text = "";
  for (const r of records) {
    const message = r.type === "message" ? r : null;
    text += `${workspace}\t${r.type}\t${copyField(r.id)}\t${new Date(r.occurredAt).toISOString()}\t${copyField(message?.userId ?? null)}\t${copyField(
      r.type === "api_request" ? r.apiKeyId : null,
    )}\t${copyField(message?.surface ?? null)}\t${copyField(message?.agentId ?? null)}\t${copyField(message?.projectId ?? null)}\t${copyField(
      message?.conversationId ?? null,
    )}\t${copyField(message?.action ?? null)}\t${copyField(normalizeModelName(r.model))}\t${copyField(r.model)}\t${copyField(
      r.provider,
    )}\t${copyField(r.source)}\t${copyField(r.deploymentId ?? null)}\t${r.promptTokens}\t${r.completionTokens}\t${r.cachedPromptTokens}\t${
      r.cacheCreationTokens
    }\t${r.costUsd}\t${r.paygCostUsd}\t${received}\n`;
  }
  return text;
}

/** The path for rows another transaction may be storing at the same time: ON CONFLICT waits for it and skips. */
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
        on conflict (workspace_id, kind, id) do nothing
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
