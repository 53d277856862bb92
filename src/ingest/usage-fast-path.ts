import { decimalText, isTokenCount } from "./amounts.ts";
import { isInstant, isKey } from "./fields.ts";
import type { UsageInput } from "./records.ts";

/**
 * The usual usage record checked without a schema parse. zod's object parse
 * (a checked copy of every record) was most of ingestion's CPU; almost every
 * record of a backfill is valid and of the same shape. A record passing every
 * rule here gets the value the schema would give it — the same rule functions
 * (fields.ts, amounts.ts), the same defaults, unknown fields dropped — and
 * test/ingest/usage-fast-path.test.ts holds the two equal on thousands of
 * mutated records. Anything else returns null and takes the schema, which
 * names each problem. Never accepts what the schema refuses.
 */
export function fastUsage(raw: Record<string, unknown>): UsageInput | null {
  const { id, occurredAt, model, provider, source, deploymentId } = raw;
  if (!isKeyValue(id) || typeof occurredAt !== "string" || !isInstant(occurredAt)) return null;
  if (!isKeyValue(model) || !isKeyValue(provider) || !isKeyValue(source) || !isOptionalKey(deploymentId)) return null;
  const promptTokens = tokenCount(raw.promptTokens);
  const completionTokens = tokenCount(raw.completionTokens);
  const cachedPromptTokens = tokenCount(raw.cachedPromptTokens);
  const cacheCreationTokens = tokenCount(raw.cacheCreationTokens);
  const costUsd = usdText(raw.costUsd);
  const paygCostUsd = usdText(raw.paygCostUsd);
  if (promptTokens === null || completionTokens === null || cachedPromptTokens === null || cacheCreationTokens === null) return null;
  if (costUsd === null || paygCostUsd === null) return null;
  const common = {
    id,
    occurredAt,
    model,
    provider,
    source,
    ...(deploymentId === undefined ? {} : { deploymentId }),
    promptTokens,
    completionTokens,
    cachedPromptTokens,
    cacheCreationTokens,
    costUsd,
    paygCostUsd,
  };
  if (raw.type === "api_request") return isKeyValue(raw.apiKeyId) ? { type: "api_request", ...common, apiKeyId: raw.apiKeyId } : null;
  if (raw.type !== "message") return null;
  const { userId, surface, agentId, projectId, conversationId, action } = raw;
  if (!isKeyValue(userId) || !isSurface(surface)) return null;
  if (!isOptionalKey(agentId) || !isOptionalKey(projectId) || !isOptionalKey(conversationId) || !isOptionalKey(action)) return null;
  // A message to an agent or a project must name it: the schema's path reports it.
  if ((surface === "agent" && agentId == null) || (surface === "project" && projectId == null)) return null;
  return {
    type: "message",
    ...common,
    userId,
    surface,
    ...(agentId === undefined ? {} : { agentId }),
    ...(projectId === undefined ? {} : { projectId }),
    ...(conversationId === undefined ? {} : { conversationId }),
    ...(action === undefined ? {} : { action }),
  };
}

const isKeyValue = (v: unknown): v is string => typeof v === "string" && isKey(v);
const isOptionalKey = (v: unknown): v is string | null | undefined => v === undefined || v === null || isKeyValue(v);
const isSurface = (v: unknown): v is "chat" | "agent" | "project" => v === "chat" || v === "agent" || v === "project";

/** A token field's value: absent is 0; null when the schema must judge it. */
const tokenCount = (v: unknown): number | null => (v === undefined ? 0 : isTokenCount(v) ? v : null);

/** A money field's exact text: absent is "0"; null when the schema must judge it. */
function usdText(v: unknown): string | null {
  if (v === undefined) return "0";
  if (typeof v !== "number" && typeof v !== "string") return null;
  const result = decimalText(v);
  return "text" in result ? result.text : null;
}
