import { Prisma } from "../../generated/prisma/client.ts";
import { usageUnits } from "../rollups/usage-units.ts";
import { exportDate } from "../shared/directory-dates.ts";
import { attributesAsOf, attrText, existingDuring, keyCountsJson, latestAttributes } from "../shared/directory-sql.ts";
import { modelSubgroups } from "../shared/model-subgroups.ts";
import { parseKeyCounts, type UsageQueryInput } from "../shared/query-input.ts";
import { TOKEN_SUMS, tokenRowMapper, type TokenSumsRow } from "../shared/token-sums.ts";
import { usageQuery } from "../shared/usage-query.ts";
import type { UserUsageRow } from "./row.ts";

interface SqlRow extends TokenSumsRow {
  user_id: string;
  model: string | null;
  attrs: Record<string, unknown> | null;
  latest: Record<string, unknown> | null;
  payg_limit: string | null;
  payg_consumption: string;
  payg_utilization: string | null;
  messages_total: number;
  messages_total_rank: number;
  messages_chat: number;
  messages_chat_rank: number;
  messages_assistants: number;
  messages_assistants_rank: number;
  assistants_messaged: number;
  messages_projects: number;
  messages_projects_rank: number;
  projects_messaged: number;
  action_messages: number;
  action_messaged: number;
  agent_map: string | null;
  project_map: string | null;
  model_map: string | null;
  action_map: string | null;
  cost: string;
}

/**
 * Users export rows. Without grouping: every member whose membership overlaps the
 * period (plus anyone who messaged in it), zeros where inactive. With `model`: one
 * row per (user, model) that has messages. API requests never count here.
 */
export const userUsage = usageQuery<SqlRow, UserUsageRow>({ sql: userUsageSql, toRow: toUserUsageRow });

const ROWS_FRAME = Prisma.raw("rows between unbounded preceding and current row");

function userUsageSql(input: UsageQueryInput): Prisma.Sql {
  const { workspace, period } = input;
  const ws = workspace.id;
  const members = existingDuring(ws, "user", period, Prisma.sql`latest`);
  const { grouped, groupKey, base, joinAgg } = modelSubgroups(input, "user_id", members);
  // A breakdown per user: its JSON map and how many distinct keys it has (the
  // `*_messaged` counts; counting them here keeps count(distinct) out of agg).
  const maps = (key: string, where: string) =>
    Prisma.sql`select user_id, ${keyCountsJson(key, "n")} as m, count(${Prisma.raw(key)})::int as k from (
      select user_id, ${Prisma.raw(key)}, sum(records)::int8 as n from msgs where ${Prisma.raw(where)} group by 1, 2) t
      group by user_id`;
  const none = Prisma.sql`select null::text as user_id, null::text as m, 0 as k`;
  // Grouped rows have no maps, so their distinct counts come from agg itself.
  const distinctCounts = grouped
    ? Prisma.sql`(count(distinct agent_id) filter (where surface = 'agent'))::int as assistants_messaged,
        (count(distinct project_id) filter (where surface = 'project'))::int as projects_messaged,
        count(distinct action)::int as action_messaged,`
    : Prisma.empty;
  return Prisma.sql`
    with msgs as materialized (
      select user_id, model, surface, agent_id, project_id, action, records, prompt_tokens, completion_tokens,
        cached_prompt_tokens, cache_creation_tokens, cost_usd, payg_cost_usd
      from ${usageUnits({ workspaceId: ws, period, rawOnly: input.rawOnly })} u
      where kind = 'message'
    ),
    agg as (
      select ${groupKey},
        sum(records)::float8 as messages_total,
        coalesce(sum(records) filter (where surface = 'chat'), 0)::float8 as messages_chat,
        coalesce(sum(records) filter (where surface = 'agent'), 0)::float8 as messages_assistants,
        coalesce(sum(records) filter (where surface = 'project'), 0)::float8 as messages_projects,
        coalesce(sum(records) filter (where action is not null), 0)::float8 as action_messages,
        ${distinctCounts}
        ${TOKEN_SUMS},
        sum(cost_usd) as cost,
        sum(payg_cost_usd) as payg
      from msgs group by ${groupKey}
    ),
    asof as (${attributesAsOf(ws, "user", period.to)}),
    latest as (${latestAttributes(ws, "user")}),
    base as (${base}),
    agent_map as (${grouped ? none : maps("agent_id", "surface = 'agent'")}),
    project_map as (${grouped ? none : maps("project_id", "surface = 'project'")}),
    model_map as (${grouped ? none : maps("model", "true")}),
    action_map as (${grouped ? none : maps("action", "action is not null")}),
    -- Ranks over narrow rows: over the joined rows' attributes and maps, a large
    -- directory's window sorts outgrow work_mem and spill each of the four to disk.
    -- A ROWS frame: rank() reads no frame, but in RANGE mode (the default)
    -- PostgreSQL 15 looks for each row's last peer, and inactive members are
    -- one peer group of up to a million rows (PostgreSQL 16 does this itself).
    ranks as (
      select b.user_id, b.model,
        rank() over (order by coalesce(a.messages_total, 0) desc ${ROWS_FRAME})::int as messages_total_rank,
        rank() over (order by coalesce(a.messages_chat, 0) desc ${ROWS_FRAME})::int as messages_chat_rank,
        rank() over (order by coalesce(a.messages_assistants, 0) desc ${ROWS_FRAME})::int as messages_assistants_rank,
        rank() over (order by coalesce(a.messages_projects, 0) desc ${ROWS_FRAME})::int as messages_projects_rank
      from base b
      ${joinAgg}
    ),
    joined as (
      select b.user_id, b.model, s.attrs, l.attrs as latest,
        (l.attrs->>'paygLimit')::numeric as payg_limit,
        coalesce(a.payg, 0) as payg,
        coalesce(a.messages_total, 0) as messages_total, coalesce(a.messages_chat, 0) as messages_chat,
        coalesce(a.messages_assistants, 0) as messages_assistants,
        coalesce(${grouped ? Prisma.sql`a.assistants_messaged` : Prisma.sql`am.k`}, 0) as assistants_messaged,
        coalesce(a.messages_projects, 0) as messages_projects,
        coalesce(${grouped ? Prisma.sql`a.projects_messaged` : Prisma.sql`pm.k`}, 0) as projects_messaged,
        coalesce(a.action_messages, 0) as action_messages,
        coalesce(${grouped ? Prisma.sql`a.action_messaged` : Prisma.sql`xm.k`}, 0) as action_messaged,
        a.sum_prompt, a.sum_completion, a.sum_cached, a.sum_cache_creation,
        coalesce(a.cost, 0) as cost,
        am.m as agent_map, pm.m as project_map, mm.m as model_map, xm.m as action_map
      from base b
      ${joinAgg}
      left join asof s on s.entity_id = b.user_id
      left join latest l on l.entity_id = b.user_id
      left join agent_map am on am.user_id = b.user_id
      left join project_map pm on pm.user_id = b.user_id
      left join model_map mm on mm.user_id = b.user_id
      left join action_map xm on xm.user_id = b.user_id
    )
    select j.user_id, j.model, j.attrs, j.latest,
      round(j.payg_limit, 6)::text as payg_limit,
      round(j.payg, 6)::text as payg_consumption,
      case when j.payg_limit > 0 then round(j.payg / j.payg_limit, 4)::text end as payg_utilization,
      j.messages_total, r.messages_total_rank,
      j.messages_chat, r.messages_chat_rank,
      j.messages_assistants, r.messages_assistants_rank,
      j.assistants_messaged,
      j.messages_projects, r.messages_projects_rank,
      j.projects_messaged, j.action_messages, j.action_messaged,
      j.agent_map, j.project_map, j.model_map, j.action_map,
      j.sum_prompt, j.sum_completion, j.sum_cached, j.sum_cache_creation,
      round(j.cost, 6)::text as cost
    from joined j
    join ranks r on r.user_id = j.user_id ${grouped ? Prisma.sql`and r.model = j.model` : Prisma.empty}
    order by j.messages_total desc, j.user_id, j.model`;
}

function toUserUsageRow(input: UsageQueryInput): (r: SqlRow) => UserUsageRow {
  const { workspace, period } = input;
  const grouped = input.groupBy === "model";
  const personal = workspace.userLevelData;
  return tokenRowMapper<SqlRow, UserUsageRow>(input, (r, t, { periodStart, periodEnd, orgId }) => ({
    periodStart,
    periodEnd,
    orgId,
    userId: r.user_id,
    model: r.model,
    name: personal ? attrText(r.attrs, "name") : null,
    email: personal ? attrText(r.attrs, "email") : null,
    role: attrText(r.attrs, "role"),
    joinedAt: exportDate(attrText(r.attrs, "joinedAt"), period.timezone),
    department: attrText(r.attrs, "department"),
    companyName: attrText(r.attrs, "companyName"),
    licenseType: attrText(r.latest, "licenseType"),
    paygLimitCurrent: r.payg_limit,
    paygConsumptionInPeriod: r.payg_consumption,
    paygUtilizationPctCurrent: r.payg_utilization,
    messagesTotal: r.messages_total,
    messagesTotalRank: grouped ? null : r.messages_total_rank,
    messagesChat: r.messages_chat,
    messagesChatRank: grouped ? null : r.messages_chat_rank,
    messagesAssistants: r.messages_assistants,
    messagesAssistantsRank: grouped ? null : r.messages_assistants_rank,
    assistantsMessaged: r.assistants_messaged,
    assistantsToMessages: grouped ? null : parseKeyCounts(r.agent_map),
    messagesProjects: r.messages_projects,
    messagesProjectsRank: grouped ? null : r.messages_projects_rank,
    projectsMessaged: grouped ? null : r.projects_messaged,
    projectsToMessages: grouped ? null : parseKeyCounts(r.project_map),
    modelToMessagesTotal: grouped ? null : parseKeyCounts(r.model_map),
    actionMessages: grouped ? null : r.action_messages,
    actionMessaged: grouped ? null : r.action_messaged,
    actionToMessages: grouped ? null : parseKeyCounts(r.action_map),
    totalInputTokens: t.prompt,
    totalOutputTokens: t.completion,
    cachedPromptTokens: t.cached,
    cacheCreationTokens: t.cacheCreation,
    noCacheTokens: t.noCache,
    totalCostUsd: r.cost,
  }));
}
