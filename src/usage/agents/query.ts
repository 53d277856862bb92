import { Prisma } from "../../generated/prisma/client.ts";
import { agentMessageUnits } from "../rollups/agent-message-units.ts";
import { agentConversations } from "../rollups/usage-units.ts";
import { attributesAsOf, attrText, existingDuring } from "../shared/directory-sql.ts";
import { modelSubgroups } from "../shared/model-subgroups.ts";
import type { UsageQueryInput } from "../shared/query-input.ts";
import { num, TOKEN_SUMS, tokenRowMapper, type TokenSumsRow } from "../shared/token-sums.ts";
import { usageQuery } from "../shared/usage-query.ts";
import type { AgentUsageRow } from "./row.ts";

interface SqlRow extends TokenSumsRow {
  agent_id: string;
  model: string | null;
  attrs: Record<string, unknown> | null;
  owner_email: string | null;
  messages: number;
  unique_users: number;
  active_users: number;
  conversations: number;
  messages_per_user: string | null;
  avg_prompt: string | null;
  min_prompt: number;
  max_prompt: number;
  avg_completion: string | null;
  min_completion: number;
  max_completion: number;
}

/**
 * Agents export rows: every agent that existed during the period (see
 * existingDuring) or was messaged in it, zeros where unused; with `model`, one
 * row per (agent, model) used.
 * `active_users` counts users with a conversation that had a message in the period.
 */
export const agentUsage = usageQuery<SqlRow, AgentUsageRow>({ sql: agentUsageSql, toRow: toAgentUsageRow, parallel: true });

function agentUsageSql(input: UsageQueryInput): Prisma.Sql {
  const { workspace, period } = input;
  const ws = workspace.id;
  const { grouped, groupKey, base, joinAgg } = modelSubgroups(input, "agent_id", existingDuring(ws, "agent", period));
  const units = { workspaceId: ws, period, rawOnly: input.rawOnly };
  return Prisma.sql`
    with msgs as not materialized (select * from ${agentMessageUnits(units)} u),
    -- Sums per row straight from the units (a few thousand groups); the distinct
    -- users apart, per (row, user) with no sums to carry: the distinct-user counts
    -- are then plain counts. count(distinct) sorted every unit of the period in one
    -- process (800,000 for a year of a 20,000-user workspace, spilled to disk); one
    -- grouping per (row, user) with every sum held 159,000 wide hash entries.
    sums as (
      select ${groupKey},
        sum(records)::float8 as messages,
        ${TOKEN_SUMS},
        round(sum(prompt_tokens)::numeric / sum(records), 2)::text as avg_prompt,
        min(min_prompt_tokens) as min_prompt, max(max_prompt_tokens) as max_prompt,
        round(sum(completion_tokens)::numeric / sum(records), 2)::text as avg_completion,
        min(min_completion_tokens) as min_completion, max(max_completion_tokens) as max_completion
      from msgs group by ${groupKey}
    ),
    per_user as (select ${groupKey}, user_id, bool_or(with_conversation) as with_conversation from msgs group by ${groupKey}, user_id),
    user_counts as (
      select ${groupKey}, count(user_id)::int as unique_users, (count(user_id) filter (where with_conversation))::int as active_users
      from per_user group by ${groupKey}
    ),
    agg as (select * from sums join user_counts using (${groupKey})),
    conversations as (
      ${grouped ? Prisma.sql`select null::text as agent_id, 0 as conversations` : Prisma.sql`select agent_id, count(distinct conversation_id)::int as conversations from ${agentConversations(units)} c group by agent_id`}
    ),
    base as (${base}),
    agents as (${attributesAsOf(ws, "agent", period.to)}),
    users as (${attributesAsOf(ws, "user", period.to)})
    select b.agent_id, b.model, g.attrs, u.attrs->>'email' as owner_email,
      coalesce(a.messages, 0) as messages, coalesce(a.unique_users, 0) as unique_users,
      coalesce(a.active_users, 0) as active_users, coalesce(c.conversations, 0) as conversations,
      case when a.active_users > 0 then round(a.messages::numeric / a.active_users, 2)::text end as messages_per_user,
      a.sum_prompt, a.avg_prompt, a.min_prompt, a.max_prompt,
      a.sum_completion, a.avg_completion, a.min_completion, a.max_completion,
      a.sum_cached, a.sum_cache_creation
    from base b
    ${joinAgg}
    left join conversations c on c.agent_id = b.agent_id
    left join agents g on g.entity_id = b.agent_id
    left join users u on u.entity_id = g.attrs->>'ownerId'
    order by coalesce(a.messages, 0) desc, b.agent_id, b.model`;
}

function toAgentUsageRow(input: UsageQueryInput): (r: SqlRow) => AgentUsageRow {
  const { workspace } = input;
  const grouped = input.groupBy === "model";
  const text = (r: SqlRow, key: string) => attrText(r.attrs, key);
  return tokenRowMapper<SqlRow, AgentUsageRow>(input, (r, t, { periodStart, periodEnd, orgId }) => ({
    periodStart,
    periodEnd,
    orgId,
    assistantId: r.agent_id,
    model: r.model,
    assistantName: text(r, "name"),
    assistantDescription: text(r, "description"),
    assistantUrl: text(r, "url"),
    assistantOwnerId: text(r, "ownerId"),
    assistantOwnerEmail: workspace.userLevelData ? r.owner_email : null,
    messages: r.messages,
    uniqueUsers: r.unique_users,
    activeUsers: grouped ? null : r.active_users,
    conversations: grouped ? null : r.conversations,
    messagesPerUser: grouped ? null : r.messages_per_user,
    sumPromptTokens: t.prompt,
    avgPromptTokens: r.avg_prompt,
    minPromptTokens: num(r.min_prompt),
    maxPromptTokens: num(r.max_prompt),
    sumCompletionTokens: t.completion,
    avgCompletionTokens: r.avg_completion,
    minCompletionTokens: num(r.min_completion),
    maxCompletionTokens: num(r.max_completion),
    sumCachedPromptTokens: t.cached,
    sumCacheCreationTokens: t.cacheCreation,
    sumNoCacheTokens: t.noCache,
  }));
}
