import type { Database } from "../db/client.ts";
import { AGENT_COLUMNS } from "../exports/columns/agents.ts";
import { API_KEY_COLUMNS } from "../exports/columns/api-keys.ts";
import type { Column } from "../exports/columns/column.ts";
import { MODEL_COLUMNS } from "../exports/columns/models.ts";
import { PROJECT_COLUMNS } from "../exports/columns/projects.ts";
import { USER_COLUMNS } from "../exports/columns/users.ts";
import type { DataType } from "./data-types.ts";
import { queryAgentUsage, type AgentUsageRow } from "./queries/agents.ts";
import { queryApiKeyUsage, type ApiKeyUsageRow } from "./queries/api-keys.ts";
import { queryModelUsage, type ModelUsageRow } from "./queries/models.ts";
import { queryProjectUsage, type ProjectUsageRow } from "./queries/projects.ts";
import type { UsageQueryInput } from "./queries/query-input.ts";
import { queryUserUsage, type UserUsageRow } from "./queries/users.ts";

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
  query(db: Database, input: UsageQueryInput): Promise<Row[]>;
}

export const USAGE_REPORTS: { [T in DataType]: UsageReport<RowOf[T]> } = {
  users: { columns: USER_COLUMNS, query: queryUserUsage },
  agents: { columns: AGENT_COLUMNS, query: queryAgentUsage },
  api_keys: { columns: API_KEY_COLUMNS, query: queryApiKeyUsage },
  projects: { columns: PROJECT_COLUMNS, query: queryProjectUsage },
  models: { columns: MODEL_COLUMNS, query: queryModelUsage },
};

/** True when the workspace has any usage record in the period (else exports answer 404). */
export async function hasUsage(db: Database, input: UsageQueryInput): Promise<boolean> {
  const found = await db.prisma.usageRecord.findFirst({
    where: { workspaceId: input.workspace.id, occurredAt: { gte: input.period.from, lte: input.period.to } },
    select: { id: true },
  });
  return found !== null;
}
