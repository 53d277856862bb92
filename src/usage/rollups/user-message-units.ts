import { DateTime } from "luxon";
import { Prisma } from "../../generated/prisma/client.ts";
import { usageUnits } from "./usage-units.ts";

/**
 * The users export's units: messages, with the columns it reads. For a row per
 * user, whole months of the workspace's time zone come from the monthly users
 * rollups, in the two shapes it aggregates (per user and surface; per user and
 * model, agent, project or action: 2–5× fewer rows than the days they replace);
 * what is left of the period, and the whole period for rows per model, is read
 * as every period is (usage-units.ts: UTC days from the daily rollups, partial
 * days from raw records).
 *
 * The monthly rows are cut by the workspace's zone at the time they were
 * written, and a change of zone rebuilds them (src/workspaces/update-settings.ts).
 * The query checks, in the same snapshot it reads, that the workspace's zone is
 * the period's: if not (a period in another zone, or a rebuild this statement
 * does not see yet), the same months are read from days and raw records
 * instead. Either way the rows are exact.
 */
export interface MessageUnitsInput {
  workspaceId: string;
  period: { from: Date; to: Date; timezone: string };
  rawOnly?: boolean;
}

/** The monthly users rollups, kept by the usage trigger and rebuilt by usage_monthly_users_rebuild. */
export const MONTHLY_USER_TABLES = ["usage_monthly_user_totals", "usage_monthly_user_keys"] as const;

interface MonthSplit {
  /** First and last whole local month (`YYYY-MM-01`) and the instants they span, [from, until). */
  months: { first: string; last: string; from: Date; until: Date } | null;
  /** The inclusive instant ranges before and after them. */
  rest: { from: Date; to: Date }[];
}

/** Splits the inclusive range [from, to] at the whole months of `timezone` it holds. */
export function splitLocalMonths(range: { from: Date; to: Date }, timezone: string): MonthSplit {
  const start = DateTime.fromJSDate(range.from, { zone: timezone });
  let first = start.startOf("month");
  if (first.toMillis() < start.toMillis()) first = first.plus({ months: 1 }).startOf("month");
  // `to` is inclusive, to the millisecond occurred_at is stored at.
  const until = DateTime.fromMillis(range.to.getTime() + 1, { zone: timezone }).startOf("month");
  if (first.toMillis() >= until.toMillis()) return { months: null, rest: [range] };
  const rest: MonthSplit["rest"] = [];
  if (range.from.getTime() < first.toMillis()) rest.push({ from: range.from, to: new Date(first.toMillis() - 1) });
  if (until.toMillis() <= range.to.getTime()) rest.push({ from: until.toJSDate(), to: range.to });
  return {
    months: {
      first: first.toISODate()!,
      last: until.minus({ months: 1 }).toISODate()!,
      from: first.toJSDate(),
      until: until.toJSDate(),
    },
    rest,
  };
}

/** Where a period's messages come from: whole local months (when any) from the monthly tables, the rest as units. */
interface MessageSources {
  /** The whole months, and the check that the monthly rows are cut by the period's zone. */
  months: { first: string; last: string; inZone: Prisma.Sql } | null;
  /** Message units (usage-units.ts's columns) of everything the months don't answer. */
  rest: Prisma.Sql;
}

function messageSources(input: MessageUnitsInput): MessageSources {
  const { workspaceId, period } = input;
  const rawOnly = input.rawOnly ?? false;
  const split = rawOnly ? { months: null, rest: [period] } : splitLocalMonths(period, period.timezone);
  const parts: Prisma.Sql[] = [];
  const read = (range: { from: Date; to: Date }, guard?: Prisma.Sql) =>
    parts.push(Prisma.sql`select * from ${usageUnits({ workspaceId, period: range, rawOnly, only: "messages", guard })} u`);
  let months: MessageSources["months"] = null;
  if (split.months) {
    const { first, last, from, until } = split.months;
    const inZone = Prisma.sql`exists (select from workspaces where id = ${workspaceId} and timezone = ${period.timezone})`;
    months = { first, last, inZone };
    read({ from, to: new Date(until.getTime() - 1) }, Prisma.sql`not ${inZone}`);
  }
  for (const range of split.rest) read(range);
  // Never empty: with months, their fallback is here (the whole period's, when it is whole months).
  return { months, rest: Prisma.sql`(${Prisma.join(parts, " union all ")})` };
}

const monthsWhere = (workspaceId: string, months: NonNullable<MessageSources["months"]>) =>
  Prisma.sql`workspace_id = ${workspaceId} and month between ${months.first}::date and ${months.last}::date and ${months.inZone}`;

/**
 * The same messages in the two narrower shapes of a row per user, each a
 * derived table over `edge`, a CTE the caller defines as `edgeUnits` (the
 * partial months, read once):
 * - `totals`: user_id, surface, records, action_records (messages naming an
 *   action) and the token and cost sums;
 * - `keys`: dim ('model', 'agent', 'project', 'action'), user_id, key, records:
 *   the models used, the agents and projects messaged on their surfaces, the
 *   actions named.
 */
export function userBreakdownUnits(input: MessageUnitsInput, edge: string) {
  const { months, rest } = messageSources(input);
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
