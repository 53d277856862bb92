import { gql, result, unwrap, type Result } from "./graphql.ts";

export type PresetName = "THIS_MONTH" | "LAST_MONTH" | "THIS_WEEK" | "LAST_WEEK";
export type DataType = "USERS" | "AGENTS" | "API_KEYS" | "PROJECTS" | "MODELS";
export type GroupBy = "MODEL" | "SOURCE" | "DEPLOYMENT";

/** What the page asks for: a preset, or a custom range of dates in the workspace's time zone. */
export type RangeChoice = { preset: PresetName } | { from: string; to: string };

export interface Workspace {
  id: string;
  name: string;
  timezone: string;
  byok: boolean;
  userLevelData: boolean;
  today: string;
  historyStart: string;
  presets: { preset: PresetName; startDate: string; endDate: string }[];
  groupBy: Record<DataType, GroupBy[]>;
}

const WORKSPACE = `{ workspace { id name timezone byok userLevelData today historyStart presets { preset startDate endDate }
  USERS: groupByOptions(dataType: USERS) AGENTS: groupByOptions(dataType: AGENTS) API_KEYS: groupByOptions(dataType: API_KEYS)
  PROJECTS: groupByOptions(dataType: PROJECTS) MODELS: groupByOptions(dataType: MODELS) } }`;

export async function loadWorkspace(): Promise<Workspace> {
  type Raw = Omit<Workspace, "groupBy"> & Record<DataType, GroupBy[]>;
  const { workspace: w } = await gql<{ workspace: Raw }>(WORKSPACE);
  return { ...w, groupBy: { USERS: w.USERS, AGENTS: w.AGENTS, API_KEYS: w.API_KEYS, PROJECTS: w.PROJECTS, MODELS: w.MODELS } };
}

/** The GraphQL PeriodInput of a choice. */
export function periodInput(range: RangeChoice, timezone: string) {
  return "preset" in range
    ? { preset: range.preset }
    : { from: { date: range.from, timezone }, to: { date: range.to, timezone } };
}

// Message, request and token counts are GraphQL `SafeInt`: JSON numbers exact up to 2^53 − 1, so `number` holds them.
export interface Summary {
  period: { startDate: string; endDate: string; timezone: string };
  messages: number;
  activeUsers: number;
  agentsUsed: number;
  apiRequests: number;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: string | null;
}
export interface Series {
  days: string[];
  models: { model: string; total: number; messages: number[] }[];
}
export interface TopUser { userId: string; name: string | null; email: string | null; messagesTotal: number; messagesAssistants: number; messagesProjects: number }
export interface TopAgent { assistantId: string; assistantName: string | null; assistantOwnerEmail: string | null; messages: number; uniqueUsers: number }
export interface TopProject { projectId: string; projectName: string | null; projectOwnerEmail: string | null; messages: number }
export interface TopApiKey { apiKeyId: string; apiKeyName: string | null; requests: number; totalCostUsd: string }

export interface Overview {
  summary: Summary;
  series: Series;
  users: TopUser[];
  agents: TopAgent[];
  projects: TopProject[];
  apiKeys: TopApiKey[];
}

const TOP = 10;
const page = (selection: string) => `{ nodes { ${selection} } }`;
const OVERVIEW = `query Overview($period: PeriodInput!) {
  usageSummary(period: $period) ${result("QueryUsageSummarySuccess", "{ period { startDate endDate timezone } messages activeUsers agentsUsed apiRequests inputTokens outputTokens costUsd }")}
  usageSeries(period: $period) ${result("QueryUsageSeriesSuccess", "{ days models { model total messages } }")}
  userUsage(period: $period, first: ${TOP}, orderBy: { field: MESSAGES_TOTAL, direction: DESC })
    ${result("QueryUserUsageSuccess", page("userId name email messagesTotal messagesAssistants messagesProjects"))}
  agentUsage(period: $period, first: ${TOP}, orderBy: { field: MESSAGES, direction: DESC })
    ${result("QueryAgentUsageSuccess", page("assistantId assistantName assistantOwnerEmail messages uniqueUsers"))}
  projectUsage(period: $period, first: ${TOP}, orderBy: { field: MESSAGES, direction: DESC })
    ${result("QueryProjectUsageSuccess", page("projectId projectName projectOwnerEmail messages"))}
  apiKeyUsage(period: $period, first: ${TOP}, orderBy: { field: REQUESTS, direction: DESC })
    ${result("QueryApiKeyUsageSuccess", page("apiKeyId apiKeyName requests totalCostUsd"))}
}`;

/** Everything the analytics page shows for a range, in one request. */
export async function loadOverview(range: RangeChoice, timezone: string): Promise<Overview> {
  type Nodes<T> = Result<{ nodes: T[] }>;
  const d = await gql<{
    usageSummary: Result<Summary>;
    usageSeries: Result<Series>;
    userUsage: Nodes<TopUser>;
    agentUsage: Nodes<TopAgent>;
    projectUsage: Nodes<TopProject>;
    apiKeyUsage: Nodes<TopApiKey>;
  }>(OVERVIEW, { period: periodInput(range, timezone) });
  // Entities without activity are listed by the queries (they are export rows) but not in a "top" table.
  return {
    summary: unwrap(d.usageSummary),
    series: unwrap(d.usageSeries),
    users: unwrap(d.userUsage).nodes.filter((n) => n.messagesTotal > 0),
    agents: unwrap(d.agentUsage).nodes.filter((n) => n.messages > 0),
    projects: unwrap(d.projectUsage).nodes.filter((n) => n.messages > 0),
    apiKeys: unwrap(d.apiKeyUsage).nodes.filter((n) => n.requests > 0),
  };
}

export interface ExportResult {
  downloadUrl: string;
  filePath: string;
  recordCount: number;
}

const CREATE_EXPORT = `mutation CreateExport($input: CreateExportInput!) {
  createExport(input: $input) ${result("MutationCreateExportSuccess", "{ downloadUrl filePath recordCount }")}
}`;

export async function createExport(dataType: DataType, range: RangeChoice, timezone: string, groupBy: GroupBy | null): Promise<ExportResult> {
  const d = await gql<{ createExport: Result<ExportResult> }>(CREATE_EXPORT, {
    input: { dataType, period: periodInput(range, timezone), groupBy },
  });
  return unwrap(d.createExport);
}
