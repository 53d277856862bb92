import { Prisma } from "../../generated/prisma/client.ts";

/**
 * Where a period's records are read from. Whole UTC days inside the period come
 * from the daily rollups; the partial days at its edges (a period in another
 * time zone starts and ends mid-UTC-day, and custom ranges may name a time) come
 * from the raw records. Every period is answered exactly, in any time zone.
 */
interface PeriodSplit {
  /** First and last whole UTC day (YYYY-MM-DD), or null when the period holds none. */
  days: { first: string; last: string } | null;
  /** Instant ranges read from raw records: from <= occurred_at < to (`to` inclusive when `through`). */
  edges: { from: Date; to: Date; through: boolean }[];
}

const DAY_MS = 86_400_000;

/** Splits the inclusive range [from, to]. `rawOnly` reads everything raw (the equivalence test's reference). */
export function splitPeriod(range: { from: Date; to: Date }, rawOnly = false): PeriodSplit {
  const from = range.from.getTime();
  const to = range.to.getTime();
  const firstStart = Math.ceil(from / DAY_MS) * DAY_MS;
  const lastEnd = Math.floor((to + 1) / DAY_MS) * DAY_MS; // `to` is inclusive (…23:59:59.999)
  if (rawOnly || firstStart >= lastEnd) return { days: null, edges: [{ from: range.from, to: range.to, through: true }] };
  const edges: PeriodSplit["edges"] = [];
  if (from < firstStart) edges.push({ from: range.from, to: new Date(firstStart), through: false });
  if (lastEnd <= to) edges.push({ from: new Date(lastEnd), to: range.to, through: true });
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { days: { first: iso(firstStart), last: iso(lastEnd - DAY_MS) }, edges };
}

/**
 * A subset of units a query reads, as conditions on each source's own columns:
 * through the union's `nullif`s the planner could not use their statistics (it
 * expected a few hundred of the agents export's 800,000 units and sorted them to
 * aggregate; with the estimate it hashes, 1.5 → 1.1 s for 12 months).
 */
const SUBSETS = {
  messages: { rollup: Prisma.raw(`kind = 'message'`), raw: Prisma.raw(`kind = 'message'`) },
  agentMessages: {
    rollup: Prisma.raw(`kind = 'message' and surface = 'agent' and agent_id <> ''`),
    raw: Prisma.raw(`kind = 'message' and surface = 'agent' and agent_id is not null`),
  },
} as const;

/** A subset of units (SUBSETS). */
export type UnitSubset = keyof typeof SUBSETS;

export interface UnitsInput {
  workspaceId: string;
  period: { from: Date; to: Date };
  rawOnly?: boolean;
  /** Only these units (SUBSETS); all when absent. */
  only?: UnitSubset;
  /** A condition every part is read under (not one on its rows): a part it rules out reads nothing. */
  guard?: Prisma.Sql;
}

/** `where` over usage_records for one edge range. */
function edgeWhere(workspaceId: string, edge: PeriodSplit["edges"][number]): Prisma.Sql {
  const upper = edge.through ? Prisma.sql`occurred_at <= ${edge.to}` : Prisma.sql`occurred_at < ${edge.to}`;
  return Prisma.sql`workspace_id = ${workspaceId} and occurred_at >= ${edge.from} and ${upper}`;
}

function dayWhere(workspaceId: string, days: NonNullable<PeriodSplit["days"]>): Prisma.Sql {
  return Prisma.sql`workspace_id = ${workspaceId} and day between ${days.first}::date and ${days.last}::date`;
}

/** Raw records and rollup rows in one shape; a raw record is a unit of `records` = 1. */
export const UNIT_FROM_ROLLUP = Prisma.raw(`kind, nullif(user_id, '') as user_id, nullif(api_key_id, '') as api_key_id,
  nullif(surface, '') as surface, nullif(agent_id, '') as agent_id, nullif(project_id, '') as project_id,
  nullif(action, '') as action, model, provider, source, nullif(deployment_id, '') as deployment_id, with_conversation,
  records, prompt_tokens, completion_tokens, cached_prompt_tokens, cache_creation_tokens,
  min_prompt_tokens, max_prompt_tokens, min_completion_tokens, max_completion_tokens, cost_usd, payg_cost_usd`);
export const UNIT_FROM_RAW = Prisma.raw(`kind, user_id, api_key_id, surface::text as surface, agent_id, project_id, action, model,
  provider, source, deployment_id, conversation_id is not null as with_conversation,
  1 as records, prompt_tokens::bigint, completion_tokens::bigint, cached_prompt_tokens::bigint, cache_creation_tokens::bigint,
  prompt_tokens as min_prompt_tokens, prompt_tokens as max_prompt_tokens,
  completion_tokens as min_completion_tokens, completion_tokens as max_completion_tokens, cost_usd, payg_cost_usd`);

/**
 * Units that take `units` away from sums: every count, token and cost column
 * negated. Extremes can't be taken away: they are null.
 */
export function subtractedUnits(units: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(select kind, user_id, api_key_id, surface, agent_id, project_id, action, model, provider, source,
    deployment_id, with_conversation, -records as records, -prompt_tokens as prompt_tokens,
    -completion_tokens as completion_tokens, -cached_prompt_tokens as cached_prompt_tokens,
    -cache_creation_tokens as cache_creation_tokens, null::int as min_prompt_tokens, null::int as max_prompt_tokens,
    null::int as min_completion_tokens, null::int as max_completion_tokens, -cost_usd as cost_usd,
    -payg_cost_usd as payg_cost_usd from ${units} s)`;
}

/**
 * A derived table of usage units for the period: columns as usage_records
 * (surface as text, plus `with_conversation`), with `records` counting the
 * records a unit stands for and token/cost columns summing them. Aggregate with
 * sum(records) where raw SQL would count(*).
 */
export function usageUnits(input: UnitsInput): Prisma.Sql {
  const split = splitPeriod(input.period, input.rawOnly);
  const subset = input.only ? SUBSETS[input.only] : null;
  const and = (condition: Prisma.Sql | undefined) => (condition ? Prisma.sql` and ${condition}` : Prisma.empty);
  const parts: Prisma.Sql[] = [];
  if (split.days)
    parts.push(
      Prisma.sql`select ${UNIT_FROM_ROLLUP} from usage_daily where ${dayWhere(input.workspaceId, split.days)}${and(subset?.rollup)}${and(input.guard)}`,
    );
  for (const edge of split.edges)
    parts.push(
      Prisma.sql`select ${UNIT_FROM_RAW} from usage_records where ${edgeWhere(input.workspaceId, edge)}${and(subset?.raw)}${and(input.guard)}`,
    );
  return Prisma.sql`(${Prisma.join(parts, " union all ")})`;
}

/** The models export's units: model, provider, source, deployment_id, and sums. */
export function modelUnits(input: UnitsInput): Prisma.Sql {
  const split = splitPeriod(input.period, input.rawOnly);
  const parts: Prisma.Sql[] = [];
  if (split.days)
    parts.push(Prisma.sql`select model, provider, source, nullif(deployment_id, '') as deployment_id, records, prompt_tokens,
      completion_tokens, cached_prompt_tokens, cache_creation_tokens, cost_usd
      from usage_daily_models where ${dayWhere(input.workspaceId, split.days)}`);
  for (const edge of split.edges)
    parts.push(Prisma.sql`select model, provider, source, deployment_id, 1 as records, prompt_tokens::bigint,
      completion_tokens::bigint, cached_prompt_tokens::bigint, cache_creation_tokens::bigint, cost_usd
      from usage_records where ${edgeWhere(input.workspaceId, edge)}`);
  return Prisma.sql`(${Prisma.join(parts, " union all ")})`;
}

/** `(agent_id, conversation_id)` of agent conversations with a message in the period (repeats possible). */
export function agentConversations(input: UnitsInput): Prisma.Sql {
  const split = splitPeriod(input.period, input.rawOnly);
  const parts: Prisma.Sql[] = [];
  if (split.days)
    parts.push(
      Prisma.sql`select agent_id, conversation_id from usage_daily_conversations where ${dayWhere(input.workspaceId, split.days)}`,
    );
  for (const edge of split.edges)
    parts.push(Prisma.sql`select agent_id, conversation_id from usage_records where ${edgeWhere(input.workspaceId, edge)}
      and ${SUBSETS.agentMessages.raw} and conversation_id is not null`);
  return Prisma.sql`(${Prisma.join(parts, " union all ")})`;
}
