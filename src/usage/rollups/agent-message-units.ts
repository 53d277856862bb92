import { Prisma } from "../../generated/prisma/client.ts";
import { type MonthlyUnitsInput, monthlySources, monthsWhere } from "./monthly-rollups.ts";

/**
 * The agents export's units: agent messages, one row per unit with agent_id,
 * model, user_id, with_conversation, records and the token sums and extremes.
 * Whole months of the workspace's time zone come from usage_monthly_agent_users
 * (a row per month, agent, model and user: 2.4× fewer than the days they
 * replace, see monthly-rollups.ts for how the months are checked); the rest of
 * the period is read as every period is.
 */
export function agentMessageUnits(input: MonthlyUnitsInput): Prisma.Sql {
  const { months, rest } = monthlySources(input, "agentMessages");
  const rested = Prisma.sql`select ${AGENT_UNIT_COLUMNS} from ${rest} r`;
  if (!months) return Prisma.sql`(${rested})`;
  return Prisma.sql`(select ${AGENT_UNIT_COLUMNS} from (select agent_id, model, nullif(user_id, '') as user_id, with_conversation,
      records, prompt_tokens, completion_tokens, cached_prompt_tokens, cache_creation_tokens, min_prompt_tokens,
      max_prompt_tokens, min_completion_tokens, max_completion_tokens
      from usage_monthly_agent_users where ${monthsWhere(input.workspaceId, months)}) m
    union all ${rested})`;
}

const AGENT_UNIT_COLUMNS = Prisma.raw(`agent_id, model, user_id, with_conversation, records, prompt_tokens, completion_tokens,
  cached_prompt_tokens, cache_creation_tokens, min_prompt_tokens, max_prompt_tokens, min_completion_tokens, max_completion_tokens`);
