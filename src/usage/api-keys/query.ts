import { Prisma } from "../../generated/prisma/client.ts";
import { usageUnits } from "../rollups/usage-units.ts";
import { attributesAsOf, existingDuring } from "../shared/directory-sql.ts";
import { modelSubgroups } from "../shared/model-subgroups.ts";
import type { UsageQueryInput } from "../shared/query-input.ts";
import { TOKEN_SUMS, tokenRowMapper, type TokenSumsRow } from "../shared/token-sums.ts";
import { usageQuery } from "../shared/usage-query.ts";
import type { ApiKeyUsageRow } from "./row.ts";

interface SqlRow extends TokenSumsRow {
  api_key_id: string;
  model: string | null;
  name: string | null;
  requests: number;
  cost: string;
}

/**
 * API keys export rows: platform API requests per key (and model, when grouped).
 * Ungrouped, every key that existed during the period is listed, zeros where unused.
 */
export const apiKeyUsage = usageQuery<SqlRow, ApiKeyUsageRow>({ sql: apiKeyUsageSql, toRow: toApiKeyUsageRow, parallel: true });

function apiKeyUsageSql(input: UsageQueryInput): Prisma.Sql {
  const { workspace, period } = input;
  const ws = workspace.id;
  const { groupKey, base, joinAgg } = modelSubgroups(input, "api_key_id", existingDuring(ws, "api_key", period));
  return Prisma.sql`
    with agg as (
      select ${groupKey}, sum(records)::float8 as requests, sum(cost_usd) as cost, ${TOKEN_SUMS}
      from ${usageUnits({ workspaceId: ws, period, rawOnly: input.rawOnly })} u
      where kind = 'api_request' and api_key_id is not null
      group by ${groupKey}
    ),
    base as (${base}),
    keys as (${attributesAsOf(ws, "api_key", period.to)})
    select b.api_key_id, b.model, k.attrs->>'name' as name, coalesce(a.requests, 0) as requests,
      round(coalesce(a.cost, 0), 6)::text as cost, a.sum_prompt, a.sum_completion, a.sum_cached, a.sum_cache_creation
    from base b
    ${joinAgg}
    left join keys k on k.entity_id = b.api_key_id
    order by coalesce(a.requests, 0) desc, b.api_key_id, b.model`;
}

function toApiKeyUsageRow(input: UsageQueryInput): (r: SqlRow) => ApiKeyUsageRow {
  return tokenRowMapper<SqlRow, ApiKeyUsageRow>(input, (r, t, { periodStart, periodEnd, orgId }) => ({
    periodStart,
    periodEnd,
    orgId,
    apiKeyId: r.api_key_id,
    model: r.model,
    apiKeyName: r.name,
    requests: r.requests,
    totalCostUsd: r.cost,
    sumPromptTokens: t.prompt,
    sumCompletionTokens: t.completion,
    cachedPromptTokens: t.cached,
    cacheCreationTokens: t.cacheCreation,
    noCacheTokens: t.noCache,
  }));
}
