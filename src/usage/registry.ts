import { AGENT_COLUMNS } from "./agents/columns.ts";
import { agentUsage } from "./agents/query.ts";
import type { AgentUsageRow } from "./agents/row.ts";
import { API_KEY_COLUMNS } from "./api-keys/columns.ts";
import { apiKeyUsage } from "./api-keys/query.ts";
import type { ApiKeyUsageRow } from "./api-keys/row.ts";
import { MODEL_COLUMNS } from "./models/columns.ts";
import { modelUsage } from "./models/query.ts";
import type { ModelUsageRow } from "./models/row.ts";
import { PROJECT_COLUMNS } from "./projects/columns.ts";
import { projectUsage } from "./projects/query.ts";
import type { ProjectUsageRow } from "./projects/row.ts";
import type { Column } from "./shared/column.ts";
import type { DataType } from "./shared/data-types.ts";
import type { UsageQuery } from "./shared/usage-query.ts";
import { USER_COLUMNS } from "./users/columns.ts";
import { userUsage } from "./users/query.ts";
import type { UserUsageRow } from "./users/row.ts";

// The one list of data types: each slice folder (users/, agents/, …) holds a
// type's SQL, row and columns; CSV exports, GraphQL and scheduled report zips
// all reach them through DATA_TYPE_SLICES.

/** The row type of each data type. */
export interface RowOf {
  users: UserUsageRow;
  agents: AgentUsageRow;
  api_keys: ApiKeyUsageRow;
  projects: ProjectUsageRow;
  models: ModelUsageRow;
}

/** A data type's rows and columns: GraphQL fields and CSV cells both come from here. */
export interface DataTypeSlice<Row> {
  columns: readonly Column<Row>[];
  query: UsageQuery<Row>;
}

export const DATA_TYPE_SLICES: { [T in DataType]: DataTypeSlice<RowOf[T]> } = {
  users: { columns: USER_COLUMNS, query: userUsage },
  agents: { columns: AGENT_COLUMNS, query: agentUsage },
  api_keys: { columns: API_KEY_COLUMNS, query: apiKeyUsage },
  projects: { columns: PROJECT_COLUMNS, query: projectUsage },
  models: { columns: MODEL_COLUMNS, query: modelUsage },
};
