import { Prisma } from "../../generated/prisma/client.ts";
import { usageUnits } from "../rollups/usage-units.ts";
import { userBreakdownUnits } from "../rollups/user-message-units.ts";
import { exportDate } from "../shared/directory-dates.ts";
import { entitiesOfPeriod, keyCountsJson } from "../shared/directory-sql.ts";
import { subgroupKeys } from "../shared/model-subgroups.ts";
import { parseKeyCounts, type UsageQueryInput } from "../shared/query-input.ts";
import { TOKEN_SUMS, tokenRowMapper, type TokenSumsRow } from "../shared/token-sums.ts";
import { usageQuery } from "../shared/usage-query.ts";
import type { UserUsageRow } from "./row.ts";

interface SqlRow extends TokenSumsRow {
  user_id: string;
  model: string | null;
  name: string | null;
  email: string | null;
  role: string | null;
  joined_at: string | null;
  department: string | null;
  company_name: string | null;
  license_type: string | null;
  payg_limit: string | null;
  payg_consumption: string | null;
  payg_utilization: string | null;
  messages_total: number | null;
  messages_total_rank: number;
  messages_chat: number | null;
  messages_chat_rank: number;
  messages_assistants: number | null;
  messages_assistants_rank: number;
  assistants_messaged: number | null;
  messages_projects: number | null;
  messages_projects_rank: number;
  projects_messaged: number | null;
  action_messages: number | null;
  action_messaged: number | null;
  agent_map: string | null;
  project_map: string | null;
  model_map: string | null;
  action_map: string | null;
  cost: string | null;
}

/**
 * Users export rows. Without grouping: every member whose membership overlaps the
 * period (plus anyone who messaged in it), zeros where inactive. With `model`: one
 * row per (user, model) that has messages. API requests never count here.
 */
export const userUsage = usageQuery<SqlRow, UserUsageRow>({ sql: userUsageSql, toRow: toUserUsageRow, parallel: false });

const ROWS_FRAME = "rows between unbounded preceding and current row";

/** What the export reads of a message unit (usage-units.ts). */
const MESSAGE_COLUMNS = Prisma.raw(`user_id, model, surface, agent_id, project_id, action, records, prompt_tokens,
  completion_tokens, cached_prompt_tokens, cache_creation_tokens, cost_usd, payg_cost_usd`);

/** The four ranked counts: a row's rank is 1 + how many rows have more. */
const RANKED = ["messages_total", "messages_chat", "messages_assistants", "messages_projects"] as const;

function userUsageSql(input: UsageQueryInput): Prisma.Sql {
  const { workspace, period } = input;
  const ws = workspace.id;
  // Directory columns read at the period's end, and the `*_current` ones from the latest version.
  const people = entitiesOfPeriod(ws, "user", period, {
    asOf: { name: "name", email: "email", role: "role", joined_at: "joinedAt", department: "department", company_name: "companyName" },
    latest: { license_type: "licenseType", payg_limit: "paygLimit" },
  });
  const { grouped, groupKey, joinAgg } = subgroupKeys(input, "user_id");
  const described = Prisma.sql`p.name, p.email, p.role, p.joined_at, p.department, p.company_name, p.license_type,
    p.payg_limit::numeric as payg_limit`;
  // The rows, described: ungrouped, every member of the period and anyone with
  // usage in it (a full join, one pass over both); grouped, the (user, model) pairs of agg.
  const base = grouped
    ? Prisma.sql`select a.user_id, a.model, ${described} from agg a left join people p on p.entity_id = a.user_id`
    : Prisma.sql`select coalesce(p.entity_id, a.user_id) as user_id, null::text as model, ${described}
        from people p full join agg a on a.user_id = p.entity_id where p.existed or a.user_id is not null`;
  // A breakdown per user: its JSON map and how many distinct keys it has (the
  // `*_messaged` counts; counting them here keeps count(distinct) out of agg).
  const maps = (keyCounts: Prisma.Sql) =>
    Prisma.sql`select user_id, ${keyCountsJson("key", "n")} as m, count(key)::int as k from ${keyCounts} t group by user_id`;
  // The sums every row has, as float8 (exact below 2^53, and far cheaper than
  // numeric); `action` counts the messages that named an action.
  const sums = (action: Prisma.Sql) => Prisma.sql`sum(records::float8) as messages_total,
    coalesce(sum(records::float8) filter (where surface = 'chat'), 0) as messages_chat,
    coalesce(sum(records::float8) filter (where surface = 'agent'), 0) as messages_assistants,
    coalesce(sum(records::float8) filter (where surface = 'project'), 0) as messages_projects,
    coalesce(${action}, 0) as action_messages,
    ${TOKEN_SUMS},
    sum(cost_usd) as cost,
    sum(payg_cost_usd) as payg`;
  const none = Prisma.sql`select null::text as user_id, null::text as m, 0 as k`;
  const units = { workspaceId: ws, period, rawOnly: input.rawOnly };
  // Ungrouped, a row per user from the two narrower shapes (its totals, its
  // breakdowns), with maps; grouped, a row per (user, model) with distinct
  // counts from the units themselves.
  const b = grouped ? null : userBreakdownUnits(units, "edge");
  const perRow = b
    ? Prisma.sql`
    edge as materialized (select ${MESSAGE_COLUMNS} from ${b.edgeUnits} u),
    by_user as not materialized (select * from ${b.totals} t),
    -- Users whose messages sum to zero were only in days a month read whole holds beyond the period.
    totals as (select user_id, ${sums(Prisma.sql`sum(action_records::float8)`)} from by_user group by user_id having sum(records::float8) <> 0),
    agent_map as materialized (${maps(b.keyCounts("agent"))}),
    project_map as materialized (${maps(b.keyCounts("project"))}),
    model_map as materialized (${maps(b.keyCounts("model"))}),
    action_map as materialized (${maps(b.keyCounts("action"))}),`
    : Prisma.sql`
    msgs as (select ${MESSAGE_COLUMNS} from ${usageUnits({ ...units, only: "messages" })} u),
    totals as (
      select ${groupKey}, ${sums(Prisma.sql`sum(records::float8) filter (where action is not null)`)},
        (count(distinct agent_id) filter (where surface = 'agent'))::int as assistants_messaged,
        (count(distinct project_id) filter (where surface = 'project'))::int as projects_messaged,
        count(distinct action)::int as action_messaged
      from msgs group by ${groupKey}
    ),
    agent_map as materialized (${none}),
    project_map as materialized (${none}),
    model_map as materialized (${none}),
    action_map as materialized (${none}),`;
  // Ranks over the rows with usage only (agg), in a ROWS frame: rank() reads no
  // frame, but in RANGE mode (the default) PostgreSQL 15 looks for each row's
  // last peer (PostgreSQL 16 does this itself). A row without usage has zeros,
  // which rank below every positive count: 1 + how many rows have one. Ranking
  // every member instead sorted a million rows four times for a million members.
  const ranks = Prisma.join(
    RANKED.map((c) => Prisma.raw(`rank() over (order by ${c} desc ${ROWS_FRAME})::int as ${c}_rank`)),
    ", ",
  );
  const zeroRanks = Prisma.join(
    RANKED.map((c) => Prisma.raw(`1 + (count(*) filter (where ${c} > 0))::int as ${c}_rank`)),
    ", ",
  );
  const rank = (c: (typeof RANKED)[number]) => Prisma.raw(`coalesce(a.${c}_rank, z.${c}_rank) as ${c}_rank`);
  return Prisma.sql`
    with ${perRow}
    -- Everything of a row with usage, joined while the rows are few.
    agg as (
      select t.*, ${ranks},
        ${grouped ? Prisma.empty : Prisma.sql`coalesce(am.k, 0) as assistants_messaged, coalesce(pm.k, 0) as projects_messaged, coalesce(xm.k, 0) as action_messaged,`}
        am.m as agent_map, pm.m as project_map, mm.m as model_map, xm.m as action_map
      from totals t
      left join agent_map am on am.user_id = t.user_id
      left join project_map pm on pm.user_id = t.user_id
      left join model_map mm on mm.user_id = t.user_id
      left join action_map xm on xm.user_id = t.user_id
    ),
    zero_ranks as materialized (select ${zeroRanks} from totals),
    -- Materialized, like the maps and zero_ranks: on tables not yet analyzed (a
    -- fresh database, a backfill autovacuum has not caught up with) the planner
    -- expects one row and could run it again for every row it meets.
    people as materialized (${people}),
    base as (${base})
    select b.user_id, b.model, b.name, b.email, b.role, b.joined_at, b.department, b.company_name, b.license_type,
      round(b.payg_limit, 6)::text as payg_limit,
      round(a.payg, 6)::text as payg_consumption,
      case when b.payg_limit > 0 then round(coalesce(a.payg, 0) / b.payg_limit, 4)::text end as payg_utilization,
      a.messages_total, ${rank("messages_total")}, a.messages_chat, ${rank("messages_chat")},
      a.messages_assistants, ${rank("messages_assistants")}, a.assistants_messaged,
      a.messages_projects, ${rank("messages_projects")}, a.projects_messaged, a.action_messages, a.action_messaged,
      a.agent_map, a.project_map, a.model_map, a.action_map,
      a.sum_prompt, a.sum_completion, a.sum_cached, a.sum_cache_creation,
      round(a.cost, 6)::text as cost
    from base b
    ${joinAgg}
    cross join zero_ranks z
    order by coalesce(a.messages_total, 0) desc, b.user_id, b.model`;
}

/**
 * A member without usage in the period has no `agg` row: its counts and sums come
 * back null and are zero here, where they cost nothing, rather than as `0`
 * text the driver parses per field (a million-member export is mostly such rows).
 * Money as the SQL would round a zero.
 */
const NO_MONEY = "0.000000";

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
    name: personal ? r.name : null,
    email: personal ? r.email : null,
    role: r.role,
    joinedAt: exportDate(r.joined_at, period.timezone),
    department: r.department,
    companyName: r.company_name,
    licenseType: r.license_type,
    paygLimitCurrent: r.payg_limit,
    paygConsumptionInPeriod: r.payg_consumption ?? NO_MONEY,
    paygUtilizationPctCurrent: r.payg_utilization,
    messagesTotal: r.messages_total ?? 0,
    messagesTotalRank: grouped ? null : r.messages_total_rank,
    messagesChat: r.messages_chat ?? 0,
    messagesChatRank: grouped ? null : r.messages_chat_rank,
    messagesAssistants: r.messages_assistants ?? 0,
    messagesAssistantsRank: grouped ? null : r.messages_assistants_rank,
    assistantsMessaged: r.assistants_messaged ?? 0,
    assistantsToMessages: grouped ? null : parseKeyCounts(r.agent_map),
    messagesProjects: r.messages_projects ?? 0,
    messagesProjectsRank: grouped ? null : r.messages_projects_rank,
    projectsMessaged: grouped ? null : (r.projects_messaged ?? 0),
    projectsToMessages: grouped ? null : parseKeyCounts(r.project_map),
    modelToMessagesTotal: grouped ? null : parseKeyCounts(r.model_map),
    actionMessages: grouped ? null : (r.action_messages ?? 0),
    actionMessaged: grouped ? null : (r.action_messaged ?? 0),
    actionToMessages: grouped ? null : parseKeyCounts(r.action_map),
    totalInputTokens: t.prompt,
    totalOutputTokens: t.completion,
    cachedPromptTokens: t.cached,
    cacheCreationTokens: t.cacheCreation,
    noCacheTokens: t.noCache,
    totalCostUsd: r.cost ?? NO_MONEY,
  }));
}
