import { Prisma } from "../../generated/prisma/client.ts";
import { type MonthlyUnitsInput, monthlySources, monthsWhere } from "./monthly-rollups.ts";

// The users export's units: messages, with the columns it reads. For a row per
// user, the months of the workspace's time zone come from the monthly users
// rollups (monthly-rollups.ts), in the two shapes it aggregates (per user and
// surface; per user and model, agent, project or action: 2–5× fewer rows than
// the days they replace); the rest of the period, and the whole period for rows
// per model, is read as every period is. Only sums are taken, so a partial month
// the period holds most of is read whole, the days outside it taken away: the
// caller drops users and keys whose messages sum to zero.

/**
 * The same messages in the two narrower shapes of a row per user, each a
 * derived table over `edge`, a CTE the caller defines as `edgeUnits` (the
 * partial months, and negated what months read whole hold beyond the period; read once):
 * - `totals`: user_id, surface, records, action_records (messages naming an
 *   action) and the token and cost sums;
 * - `keys`: dim ('model', 'agent', 'project', 'action'), user_id, key, records:
 *   the models used, the agents and projects messaged on their surfaces, the
 *   actions named.
 */
export function userBreakdownUnits(input: MonthlyUnitsInput, edge: string) {
  const { months, rest } = monthlySources(input, "messages", true);
  const e = Prisma.raw(edge);
  const edgeTotals = Prisma.sql`select user_id, surface, records,
    case when action is not null then records else 0 end as action_records, prompt_tokens, completion_tokens,
    cached_prompt_tokens, cache_creation_tokens, cost_usd, payg_cost_usd from ${e}`;
  const edgeKeys = Prisma.sql`select 'model' as dim, user_id, model as key, records from ${e}
    union all select 'agent', user_id, agent_id, records from ${e} where surface = 'agent'
    union all select 'project', user_id, project_id, records from ${e} where surface = 'project'
    union all select 'action', user_id, action, records from ${e} where action is not null`;
  const ws = input.workspaceId;
  return {
    edgeUnits: rest,
    totals: months
      ? Prisma.sql`(select nullif(user_id, '') as user_id, nullif(surface, '') as surface, records, action_records,
          prompt_tokens, completion_tokens, cached_prompt_tokens, cache_creation_tokens, cost_usd, payg_cost_usd
          from usage_monthly_user_totals where ${monthsWhere(ws, months)} union all ${edgeTotals})`
      : Prisma.sql`(${edgeTotals})`,
    keys: months
      ? Prisma.sql`(select dim, nullif(user_id, '') as user_id, nullif(key, '') as key, records
          from usage_monthly_user_keys where ${monthsWhere(ws, months)} union all ${edgeKeys})`
      : Prisma.sql`(${edgeKeys})`,
  };
}
