import type { Column } from "../shared/column.ts";
import { keyColumns } from "../shared/model-subgroups.ts";
import { tokenColumns } from "../shared/token-columns.ts";
import type { UserUsageRow } from "./row.ts";

/** Users export columns, names and order as in the export guide. */
export const USER_COLUMNS: readonly Column<UserUsageRow>[] = [
  // period_start, period_end, org_id, user_id, model (subgroup rows)
  ...keyColumns<UserUsageRow>({ name: "user_id", field: "userId", kind: "text", description: "ID of the user" }),
  { name: "name", field: "name", kind: "text", description: "Name of the user", personal: true },
  { name: "email", field: "email", kind: "text", description: "Email of the user", personal: true },
  { name: "role", field: "role", kind: "text", description: "User role at the period end" },
  { name: "joined_at", field: "joinedAt", kind: "date", description: "Date the user joined the workspace" },
  { name: "department", field: "department", kind: "text", description: "User department" },
  { name: "company_name", field: "companyName", kind: "text", description: "User company name" },
  { name: "license_type", field: "licenseType", kind: "text", description: "Current user license tier" },
  { name: "payg_limit_current", field: "paygLimitCurrent", kind: "money", description: "Current extra-usage limit" },
  {
    name: "payg_consumption_in_period",
    field: "paygConsumptionInPeriod",
    kind: "money",
    description: "Extra-usage consumption in the selected period",
  },
  {
    name: "payg_utilization_pct_current",
    field: "paygUtilizationPctCurrent",
    kind: "ratio",
    description: "payg_consumption_in_period / payg_limit_current (empty without a limit)",
  },
  { name: "messages_total", field: "messagesTotal", kind: "int", description: "Total messages sent by the user" },
  {
    name: "messages_total_rank",
    field: "messagesTotalRank",
    kind: "int",
    description: "Rank by total messages (1 = most)",
    ungroupedOnly: true,
  },
  { name: "messages_chat", field: "messagesChat", kind: "int", description: "Messages sent in regular chats" },
  { name: "messages_chat_rank", field: "messagesChatRank", kind: "int", description: "Rank by chat messages", ungroupedOnly: true },
  { name: "messages_assistants", field: "messagesAssistants", kind: "int", description: "Messages sent to agents" },
  {
    name: "messages_assistants_rank",
    field: "messagesAssistantsRank",
    kind: "int",
    description: "Rank by agent messages",
    ungroupedOnly: true,
  },
  { name: "assistants_messaged", field: "assistantsMessaged", kind: "int", description: "Number of distinct agents messaged" },
  {
    name: "assistants_to_messages",
    field: "assistantsToMessages",
    kind: "json",
    description: "Agent ID to message count",
    ungroupedOnly: true,
  },
  { name: "messages_projects", field: "messagesProjects", kind: "int", description: "Messages sent to projects" },
  {
    name: "messages_projects_rank",
    field: "messagesProjectsRank",
    kind: "int",
    description: "Rank by project messages",
    ungroupedOnly: true,
  },
  {
    name: "projects_messaged",
    field: "projectsMessaged",
    kind: "int",
    description: "Number of distinct projects messaged",
    ungroupedOnly: true,
  },
  {
    name: "projects_to_messages",
    field: "projectsToMessages",
    kind: "json",
    description: "Project ID to message count",
    ungroupedOnly: true,
  },
  {
    name: "model_to_messages_total",
    field: "modelToMessagesTotal",
    kind: "json",
    description: "Model name to message count",
    ungroupedOnly: true,
  },
  { name: "action_messages", field: "actionMessages", kind: "int", description: "Messages that carried an action", ungroupedOnly: true },
  {
    name: "action_messaged",
    field: "actionMessaged",
    kind: "int",
    description: "Number of distinct actions triggered",
    ungroupedOnly: true,
  },
  { name: "action_to_messages", field: "actionToMessages", kind: "json", description: "Action name to message count", ungroupedOnly: true },
  // total_input_tokens, total_output_tokens, cached_prompt_tokens, cache_creation_tokens, no_cache_tokens
  ...tokenColumns<UserUsageRow>(
    {
      prompt: "totalInputTokens",
      completion: "totalOutputTokens",
      cached: "cachedPromptTokens",
      cacheCreation: "cacheCreationTokens",
      noCache: "noCacheTokens",
    },
    { describe: { prompt: "Total input tokens consumed by the user", completion: "Total output tokens generated for the user" } },
  ),
  { name: "total_cost_usd", field: "totalCostUsd", kind: "money", description: "Estimated provider cost in USD", byok: true },
];
