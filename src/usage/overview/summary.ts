import type { Database } from "../../db/client.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import type { Period } from "../../periods/period.ts";
import { usageUnits } from "../rollups/usage-units.ts";
import { trimDecimal } from "../shared/decimal.ts";

/** The analytics page's headline numbers for one period. */
export interface UsageSummary {
  /** Chat, agent and project messages (each message is one model request). */
  messages: number;
  /** Distinct users with at least one message. */
  activeUsers: number;
  /** Distinct agents messaged (agent-surface messages, as the agents export counts them). */
  agentsUsed: number;
  /** Platform API requests (API keys). */
  apiRequests: number;
  /** Over messages and API requests. */
  inputTokens: number;
  outputTokens: number;
  cachedPromptTokens: number;
  cacheCreationTokens: number;
  /** Exact sum, rounded to 6 decimals, written as in the CSVs ("0.0035", "50"). */
  costUsd: string;
}

interface SqlRow {
  messages: string;
  active_users: string;
  agents_used: string;
  api_requests: string;
  input_tokens: string;
  output_tokens: string;
  cached_tokens: string;
  cache_creation_tokens: string;
  cost: string;
}

/**
 * Totals over the same usage units the export queries read (daily rollups for
 * whole UTC days, raw records at the edges), so they agree with the exports:
 * messages = Σ users' messages_total, API requests = Σ API keys' requests, and
 * tokens and cost = Σ over the models export.
 */
export async function usageSummary(db: Database, workspaceId: string, period: Period): Promise<UsageSummary> {
  // Sums go through text: token totals of a big workspace's year pass 2^31, and numeric must stay exact.
  const [r] = await db.prisma.$queryRaw<SqlRow[]>(Prisma.sql`
    select
      coalesce(sum(records) filter (where kind = 'message'), 0)::text as messages,
      count(distinct user_id) filter (where kind = 'message')::text as active_users,
      count(distinct agent_id) filter (where kind = 'message' and surface = 'agent')::text as agents_used,
      coalesce(sum(records) filter (where kind = 'api_request'), 0)::text as api_requests,
      coalesce(sum(prompt_tokens), 0)::text as input_tokens,
      coalesce(sum(completion_tokens), 0)::text as output_tokens,
      coalesce(sum(cached_prompt_tokens), 0)::text as cached_tokens,
      coalesce(sum(cache_creation_tokens), 0)::text as cache_creation_tokens,
      round(coalesce(sum(cost_usd), 0), 6)::text as cost
    from ${usageUnits({ workspaceId, period })} u`);
  if (!r) throw new Error("summary query returned no row");
  return {
    messages: Number(r.messages),
    activeUsers: Number(r.active_users),
    agentsUsed: Number(r.agents_used),
    apiRequests: Number(r.api_requests),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    cachedPromptTokens: Number(r.cached_tokens),
    cacheCreationTokens: Number(r.cache_creation_tokens),
    costUsd: trimDecimal(r.cost),
  };
}
