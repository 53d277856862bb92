import { Prisma } from "../../generated/prisma/client.ts";
import { type MonthlyUnitsInput, monthlySources, monthsWhere } from "./monthly-rollups.ts";

// The users export's units: messages, with the columns it reads. For a row per
// user, the months of the workspace's time zone come from the monthly users
// rollups (monthly-rollups.ts), in the two shapes it aggregates (per user and
// surface; per user and model, agent, project or action: 2–5× fewer rows than
// the days they replace); the rest of the period, and the whole period for rows
// per model, is read as every period is. Only sums are taken, so a partial month
// the period holds most of is read whole, the days outside it taken away:
// `keyCounts` leaves out keys whose messages sum to zero, the caller users.

/**
 * The same messages in the two narrower shapes of a row per user, each a
 * derived table over `edge`, a CTE the caller defines as `edgeUnits` (the
 * partial months, and negated what months read whole hold beyond the period; read once):
 * - `totals`: user_id, surface, records, action_records (messages naming an
 *   action) and the token and cost sums;
 * - `keyCounts(dim)`: user_id, key, n: a user's messages per model used, agent
 *   or project messaged on its surface, or action named; one row per (user,
 *   key), none whose messages sum to zero.
 */
export function userBreakdownUnits(input: MonthlyUnitsInput, edge: string) {
  const { months, rest } = monthlySources(input, "messages", true);
  const e = Prisma.raw(edge);
  const edgeTotals = Prisma.sql`select user_id, surface, records,
    case when action is not null then records else 0 end as action_records, prompt_tokens, completion_tokens,
    cached_prompt_tokens, cache_creation_tokens, cost_usd, payg_cost_usd from ${e}`;
  // A dimension's keys of the edge units: the models used, the agents and
  // projects messaged on their surfaces, the actions named.
  const edgeKeys = (dim: BreakdownDim) => {
    const { key, where } = EDGE_KEYS[dim];
    return Prisma.raw(`select user_id, ${key} as key, records from ${edge} where ${where}`);
  };
  const ws = input.workspaceId;
  // Counts are summed as float8 (exact below 2^53): far cheaper than numeric.
  const counted = (keys: Prisma.Sql) => Prisma.sql`(select user_id, key, sum(records::float8)::int8 as n from (${keys}) k
    group by 1, 2 having sum(records::float8) <> 0)`;
  const monthlyKeys = (m: NonNullable<typeof months>, dim: BreakdownDim) => Prisma.sql`select nullif(user_id, '') as user_id,
    nullif(key, '') as key, records from usage_monthly_user_keys where ${monthsWhere(ws, m)} and dim = ${dim}`;
  return {
    edgeUnits: rest,
    totals: months
      ? Prisma.sql`(select nullif(user_id, '') as user_id, nullif(surface, '') as surface, records, action_records,
          prompt_tokens, completion_tokens, cached_prompt_tokens, cache_creation_tokens, cost_usd, payg_cost_usd
          from usage_monthly_user_totals where ${monthsWhere(ws, months)} union all ${edgeTotals})`
      : Prisma.sql`(${edgeTotals})`,
    keyCounts: (dim: BreakdownDim): Prisma.Sql =>
      !months
        ? counted(edgeKeys(dim))
        : // One month alone: its rows are one per (user, key) already, and the edge is only the out-of-zone fallback.
          months.alone && months.first === months.last
          ? Prisma.sql`(select user_id, key, records as n from (${monthlyKeys(months, dim)}) m where records <> 0
              union all select * from ${counted(edgeKeys(dim))} e)`
          : counted(Prisma.sql`${monthlyKeys(months, dim)} union all ${edgeKeys(dim)}`),
  };
}

/** The users export's breakdowns: the dimensions of usage_monthly_user_keys. */
export type BreakdownDim = "model" | "agent" | "project" | "action";

/** Each dimension's key column in the edge units, and which units have one. */
const EDGE_KEYS: Record<BreakdownDim, { key: string; where: string }> = {
  model: { key: "model", where: "true" },
  agent: { key: "agent_id", where: "surface = 'agent'" },
  project: { key: "project_id", where: "surface = 'project'" },
  action: { key: "action", where: "action is not null" },
};
