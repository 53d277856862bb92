import type { Column } from "../shared/column.ts";
import { keyColumns } from "../shared/model-subgroups.ts";
import { tokenColumns } from "../shared/token-columns.ts";
import type { AgentUsageRow } from "./row.ts";

/** Per-request token statistics: agents list them after each token sum. */
const PER_REQUEST: Record<"prompt" | "completion", Column<AgentUsageRow>[]> = {
  prompt: [
    { name: "avg_prompt_tokens", field: "avgPromptTokens", kind: "average", description: "Average input tokens per request", byok: true },
    { name: "min_prompt_tokens", field: "minPromptTokens", kind: "int", description: "Minimum input tokens per request", byok: true },
    { name: "max_prompt_tokens", field: "maxPromptTokens", kind: "int", description: "Maximum input tokens per request", byok: true },
  ],
  completion: [
    {
      name: "avg_completion_tokens",
      field: "avgCompletionTokens",
      kind: "average",
      description: "Average output tokens per request",
      byok: true,
    },
    {
      name: "min_completion_tokens",
      field: "minCompletionTokens",
      kind: "int",
      description: "Minimum output tokens per request",
      byok: true,
    },
    {
      name: "max_completion_tokens",
      field: "maxCompletionTokens",
      kind: "int",
      description: "Maximum output tokens per request",
      byok: true,
    },
  ],
};

/** Agents (assistants) export columns, names and order as in the export guide. */
export const AGENT_COLUMNS: readonly Column<AgentUsageRow>[] = [
  // period_start, period_end, org_id, assistant_id, model (subgroup rows)
  ...keyColumns<AgentUsageRow>({ name: "assistant_id", field: "assistantId", kind: "text", description: "ID of the agent" }),
  { name: "assistant_name", field: "assistantName", kind: "text", description: "Name of the agent" },
  { name: "assistant_description", field: "assistantDescription", kind: "text", description: "Agent description" },
  { name: "assistant_url", field: "assistantUrl", kind: "text", description: "Link to the agent" },
  { name: "assistant_owner_id", field: "assistantOwnerId", kind: "text", description: "ID of the agent owner" },
  { name: "assistant_owner_email", field: "assistantOwnerEmail", kind: "text", description: "Email of the agent owner", personal: true },
  { name: "messages", field: "messages", kind: "int", description: "Number of user messages sent to the agent" },
  { name: "unique_users", field: "uniqueUsers", kind: "int", description: "Number of users who messaged the agent" },
  {
    name: "active_users",
    field: "activeUsers",
    kind: "int",
    description: "Users with a conversation with the agent that had a message in the period",
    ungroupedOnly: true,
  },
  {
    name: "conversations",
    field: "conversations",
    kind: "int",
    description: "Distinct conversations with a message in the period",
    ungroupedOnly: true,
  },
  {
    name: "messages_per_user",
    field: "messagesPerUser",
    kind: "average",
    description: "Messages per active user (empty with no active users)",
    ungroupedOnly: true,
  },
  // sum_prompt_tokens (+ PER_REQUEST), sum_completion_tokens (+ PER_REQUEST), sum_cached_prompt_tokens, sum_cache_creation_tokens, sum_no_cache_tokens
  ...tokenColumns<AgentUsageRow>(
    {
      prompt: "sumPromptTokens",
      completion: "sumCompletionTokens",
      cached: "sumCachedPromptTokens",
      cacheCreation: "sumCacheCreationTokens",
      noCache: "sumNoCacheTokens",
    },
    { after: PER_REQUEST },
  ),
];
