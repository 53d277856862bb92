import { FAILURE, gql, graphql, unwrap, type DataOf, type ResultOf, type VariablesOf } from "./graphql.ts";

const WORKSPACE = graphql(`
  query Workspace {
    workspace {
      id name timezone byok userLevelData today historyStart presets { preset startDate endDate }
      USERS: groupByOptions(dataType: USERS) AGENTS: groupByOptions(dataType: AGENTS) API_KEYS: groupByOptions(dataType: API_KEYS)
      PROJECTS: groupByOptions(dataType: PROJECTS) MODELS: groupByOptions(dataType: MODELS)
    }
  }
`);

const CREATE_EXPORT = graphql(
  `
  mutation CreateExport($input: CreateExportInput!) {
    createExport(input: $input) {
      __typename ...Failure
      ... on MutationCreateExportSuccess { data { downloadUrl filePath recordCount } }
    }
  }
`,
  [FAILURE],
);

type WorkspaceResult = ResultOf<typeof WORKSPACE>["workspace"];
/** The page's data types: the export guide's five (`ASSISTANTS` is an API alias of `AGENTS`). */
export type DataType = Exclude<VariablesOf<typeof CREATE_EXPORT>["input"]["dataType"], "ASSISTANTS">;
export type GroupBy = WorkspaceResult["USERS"][number];
export type PresetName = WorkspaceResult["presets"][number]["preset"];

/** What the page asks for: a preset, or a custom range of dates in the workspace's time zone. */
export type RangeChoice = { preset: PresetName } | { from: string; to: string };

/** The workspace with each data type's valid subgroups. */
export type Workspace = Omit<WorkspaceResult, DataType> & { groupBy: Record<DataType, GroupBy[]> };

export async function loadWorkspace(): Promise<Workspace> {
  const { workspace: w } = await gql(WORKSPACE, {});
  const { USERS, AGENTS, API_KEYS, PROJECTS, MODELS, ...rest } = w;
  return { ...rest, groupBy: { USERS, AGENTS, API_KEYS, PROJECTS, MODELS } };
}

/** The GraphQL PeriodInput of a choice. */
export function periodInput(range: RangeChoice, timezone: string) {
  return "preset" in range ? { preset: range.preset } : { from: { date: range.from, timezone }, to: { date: range.to, timezone } };
}

// Each top table lists at most 10 rows (`first: 10`).
// Message, request and token counts are GraphQL `SafeInt`: JSON numbers exact up to 2^53 − 1, so `number` holds them.
const OVERVIEW = graphql(
  `
  query Overview($period: PeriodInput!) {
    usageSummary(period: $period) {
      __typename ...Failure
      ... on QueryUsageSummarySuccess { data { period { startDate endDate timezone } messages activeUsers agentsUsed apiRequests inputTokens outputTokens costUsd } }
    }
    userUsage(period: $period, first: 10, orderBy: { field: MESSAGES_TOTAL, direction: DESC }) {
      __typename ...Failure
      ... on QueryUserUsageSuccess { data { nodes { userId name email messagesTotal messagesAssistants messagesProjects } } }
    }
    agentUsage(period: $period, first: 10, orderBy: { field: MESSAGES, direction: DESC }) {
      __typename ...Failure
      ... on QueryAgentUsageSuccess { data { nodes { assistantId assistantName assistantOwnerEmail messages uniqueUsers } } }
    }
    projectUsage(period: $period, first: 10, orderBy: { field: MESSAGES, direction: DESC }) {
      __typename ...Failure
      ... on QueryProjectUsageSuccess { data { nodes { projectId projectName projectOwnerEmail messages } } }
    }
    apiKeyUsage(period: $period, first: 10, orderBy: { field: REQUESTS, direction: DESC }) {
      __typename ...Failure
      ... on QueryApiKeyUsageSuccess { data { nodes { apiKeyId apiKeyName requests totalCostUsd } } }
    }
  }
`,
  [FAILURE],
);

type OverviewResult = ResultOf<typeof OVERVIEW>;
type Nodes<Field extends keyof OverviewResult> = DataOf<OverviewResult[Field]> extends { nodes: (infer N)[] } ? N : never;
export type Summary = DataOf<OverviewResult["usageSummary"]>;
export type TopUser = Nodes<"userUsage">;
export type TopAgent = Nodes<"agentUsage">;
export type TopProject = Nodes<"projectUsage">;
export type TopApiKey = Nodes<"apiKeyUsage">;

export interface Overview {
  summary: Summary;
  users: TopUser[];
  agents: TopAgent[];
  projects: TopProject[];
  apiKeys: TopApiKey[];
}

/** Everything the analytics page shows for a range, in one request. */
export async function loadOverview(range: RangeChoice, timezone: string): Promise<Overview> {
  const d = await gql(OVERVIEW, { period: periodInput(range, timezone) });
  // Entities without activity are listed by the queries (they are export rows) but not in a "top" table.
  return {
    summary: unwrap(d.usageSummary),
    users: unwrap(d.userUsage).nodes.filter((n) => n.messagesTotal > 0),
    agents: unwrap(d.agentUsage).nodes.filter((n) => n.messages > 0),
    projects: unwrap(d.projectUsage).nodes.filter((n) => n.messages > 0),
    apiKeys: unwrap(d.apiKeyUsage).nodes.filter((n) => n.requests > 0),
  };
}

export type ExportResult = DataOf<ResultOf<typeof CREATE_EXPORT>["createExport"]>;

export async function createExport(
  dataType: DataType,
  range: RangeChoice,
  timezone: string,
  groupBy: GroupBy | null,
): Promise<ExportResult> {
  const d = await gql(CREATE_EXPORT, { input: { dataType, period: periodInput(range, timezone), groupBy } });
  return unwrap(d.createExport);
}
