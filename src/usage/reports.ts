import type { Database } from "../db/client.ts";
import { AGENT_COLUMNS } from "../exports/columns/agents.ts";
import { API_KEY_COLUMNS } from "../exports/columns/api-keys.ts";
import type { Column } from "../exports/columns/column.ts";
import { MODEL_COLUMNS } from "../exports/columns/models.ts";
import { PROJECT_COLUMNS } from "../exports/columns/projects.ts";
import { USER_COLUMNS } from "../exports/columns/users.ts";
import type { DataType } from "./data-types.ts";
import { agentUsage, type AgentUsageRow } from "./queries/agents.ts";
import { apiKeyUsage, type ApiKeyUsageRow } from "./queries/api-keys.ts";
import { modelUsage, type ModelUsageRow } from "./queries/models.ts";
import { projectUsage, type ProjectUsageRow } from "./queries/projects.ts";
import type { UsageQueryInput } from "./queries/query-input.ts";
import type { UsageQuery } from "./queries/usage-query.ts";
import { userUsage, type UserUsageRow } from "./queries/users.ts";

export interface RowOf {
  users: UserUsageRow;
  agents: AgentUsageRow;
  api_keys: ApiKeyUsageRow;
  projects: ProjectUsageRow;
  models: ModelUsageRow;
}

/** A data type's rows and columns: GraphQL fields and CSV cells both come from here. */
export interface UsageReport<Row> {
  columns: readonly Column<Row>[];
  query: UsageQuery<Row>;
}

export const USAGE_REPORTS: { [T in DataType]: UsageReport<RowOf[T]> } = {
  users: { columns: USER_COLUMNS, query: userUsage },
  agents: { columns: AGENT_COLUMNS, query: agentUsage },
  api_keys: { columns: API_KEY_COLUMNS, query: apiKeyUsage },
  projects: { columns: PROJECT_COLUMNS, query: projectUsage },
  models: { columns: MODEL_COLUMNS, query: modelUsage },
};

/** True when the workspace has any usage record in the period (else exports answer 404). */
export async function hasUsage(db: Database, input: UsageQueryInput): Promise<boolean> {
  const found = await db.prisma.usageRecord.findFirst({
    where: { workspaceId: input.workspace.id, occurredAt: { gte: input.period.from, lte: input.period.to } },
    select: { id: true },
  });
  return found !== null;
}
