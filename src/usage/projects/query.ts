import { Prisma } from "../../generated/prisma/client.ts";
import { usageUnits } from "../rollups/usage-units.ts";
import { attributesAsOf, attrText, existingDuring } from "../shared/directory-sql.ts";
import { periodFields, type UsageQueryInput } from "../shared/query-input.ts";
import { usageQuery } from "../shared/usage-query.ts";
import type { ProjectUsageRow } from "./row.ts";

interface SqlRow {
  project_id: string;
  attrs: Record<string, unknown> | null;
  owner_email: string | null;
  messages: number;
}

/** Projects export rows: every project that existed during the period or was messaged in it. No subgroups. */
export const projectUsage = usageQuery<SqlRow, ProjectUsageRow>({ sql: projectUsageSql, toRow: toProjectUsageRow, parallel: true });

function projectUsageSql(input: UsageQueryInput): Prisma.Sql {
  const { workspace, period } = input;
  const ws = workspace.id;
  return Prisma.sql`
    with agg as (
      select project_id, sum(records)::float8 as messages
      from ${usageUnits({ workspaceId: ws, period, rawOnly: input.rawOnly })} u
      where kind = 'message' and surface = 'project' and project_id is not null
      group by project_id
    ),
    base as (select entity_id as project_id from (${existingDuring(ws, "project", period)}) k union select project_id from agg),
    projects as (${attributesAsOf(ws, "project", period.to)}),
    users as (${attributesAsOf(ws, "user", period.to)})
    select b.project_id, p.attrs, u.attrs->>'email' as owner_email, coalesce(a.messages, 0) as messages
    from base b
    left join agg a on a.project_id = b.project_id
    left join projects p on p.entity_id = b.project_id
    left join users u on u.entity_id = p.attrs->>'ownerId'
    order by coalesce(a.messages, 0) desc, b.project_id`;
}

function toProjectUsageRow(input: UsageQueryInput): (r: SqlRow) => ProjectUsageRow {
  const common = periodFields(input);
  const personal = input.workspace.userLevelData;
  return (r) => ({
    periodStart: common.periodStart,
    periodEnd: common.periodEnd,
    orgId: common.orgId,
    projectId: r.project_id,
    projectName: attrText(r.attrs, "name"),
    projectOwnerId: attrText(r.attrs, "ownerId"),
    projectOwnerEmail: personal ? r.owner_email : null,
    messages: r.messages,
  });
}
