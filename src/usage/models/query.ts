import { Prisma } from "../../generated/prisma/client.ts";
import { modelUnits } from "../rollups/usage-units.ts";
import { attributesAsOf } from "../shared/directory-sql.ts";
import type { UsageQueryInput } from "../shared/query-input.ts";
import { TOKEN_SUMS, tokenRowMapper, type TokenSumsRow } from "../shared/token-sums.ts";
import { usageQuery } from "../shared/usage-query.ts";
import type { ModelUsageRow } from "./row.ts";

interface SqlRow extends TokenSumsRow {
  name: string;
  provider: string;
  byok: boolean;
  source: string | null;
  deployment_id: string | null;
  deployment: string | null;
  requests: number;
  cost: string;
}

/**
 * Models export rows: every request (messages and API requests) by normalized
 * model, provider and BYOK state (a record naming a deployment is BYOK), split
 * by source or deployment when grouped. Only combinations with requests appear.
 */
export const modelUsage = usageQuery<SqlRow, ModelUsageRow>({ sql: modelUsageSql, toRow: toModelUsageRow, parallel: true });

function modelUsageSql(input: UsageQueryInput): Prisma.Sql {
  const { workspace, period, groupBy } = input;
  const ws = workspace.id;
  const sub = groupBy === "source" ? Prisma.sql`, source` : groupBy === "deployment" ? Prisma.sql`, deployment_id` : Prisma.empty;
  return Prisma.sql`
    with agg as (
      select model as name, provider, (deployment_id is not null) as byok ${sub},
        sum(records)::float8 as requests, sum(cost_usd) as cost, ${TOKEN_SUMS}
      from ${modelUnits({ workspaceId: ws, period, rawOnly: input.rawOnly })} u
      group by model, provider, (deployment_id is not null) ${sub}
    ),
    deployments as (${attributesAsOf(ws, "deployment", period.to)})
    select a.name, a.provider, a.byok,
      ${groupBy === "source" ? Prisma.sql`a.source` : Prisma.sql`null::text as source`},
      ${groupBy === "deployment" ? Prisma.sql`a.deployment_id, coalesce(d.attrs->>'name', a.deployment_id, '') as deployment` : Prisma.sql`null::text as deployment_id, null::text as deployment`},
      a.requests, round(a.cost, 6)::text as cost, a.sum_prompt, a.sum_completion, a.sum_cached, a.sum_cache_creation
    from agg a
    ${groupBy === "deployment" ? Prisma.sql`left join deployments d on d.entity_id = a.deployment_id` : Prisma.empty}
    order by a.requests desc, a.name, a.provider, a.byok, source, deployment, deployment_id`;
}

function toModelUsageRow(input: UsageQueryInput): (r: SqlRow) => ModelUsageRow {
  return tokenRowMapper<SqlRow, ModelUsageRow>(input, (r, t, { periodStart, periodEnd, orgId }) => ({
    periodStart,
    periodEnd,
    orgId,
    name: r.name,
    provider: r.provider,
    bringYourKeys: r.byok,
    source: r.source,
    deployment: r.deployment,
    requests: r.requests,
    sumPromptTokens: t.prompt,
    sumCompletionTokens: t.completion,
    sumCachedPromptTokens: t.cached,
    sumCacheCreationTokens: t.cacheCreation,
    noCacheTokens: t.noCache,
    totalCostUsd: r.cost,
  }));
}
