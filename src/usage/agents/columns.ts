import { type Column, columnsFor } from "../shared/column.ts";
import { keyColumns } from "../shared/model-subgroups.ts";
import { TOKEN_FIELDS, tokenColumns } from "../shared/token-columns.ts";
import type { AgentUsageRow } from "./row.ts";

const col = columnsFor<AgentUsageRow>();

/** Per-request token statistics: agents list them after each token sum. */
const PER_REQUEST: Record<"prompt" | "completion", Column<AgentUsageRow>[]> = {
  prompt: [
    col.average("avgPromptTokens", "Average input tokens per request", { byok: true }),
    col.int("minPromptTokens", "Minimum input tokens per request", { byok: true }),
    col.int("maxPromptTokens", "Maximum input tokens per request", { byok: true }),
  ],
  completion: [
    col.average("avgCompletionTokens", "Average output tokens per request", { byok: true }),
    col.int("minCompletionTokens", "Minimum output tokens per request", { byok: true }),
    col.int("maxCompletionTokens", "Maximum output tokens per request", { byok: true }),
  ],
};

/** Agents (assistants) export columns, names and order as in the export guide. */
export const AGENT_COLUMNS: readonly Column<AgentUsageRow>[] = [
  // period_start, period_end, org_id, assistant_id, model (subgroup rows)
  ...keyColumns(col.text("assistantId", "ID of the agent")),
  col.text("assistantName", "Name of the agent"),
  col.text("assistantDescription", "Agent description"),
  col.text("assistantUrl", "Link to the agent"),
  col.text("assistantOwnerId", "ID of the agent owner"),
  col.text("assistantOwnerEmail", "Email of the agent owner", { personal: true }),
  col.int("messages", "Number of user messages sent to the agent"),
  col.int("uniqueUsers", "Number of users who messaged the agent"),
  col.int("activeUsers", "Users with a conversation with the agent that had a message in the period", { ungroupedOnly: true }),
  col.int("conversations", "Distinct conversations with a message in the period", { ungroupedOnly: true }),
  col.average("messagesPerUser", "Messages per active user (empty with no active users)", { ungroupedOnly: true }),
  // sum_prompt_tokens (+ PER_REQUEST), sum_completion_tokens (+ PER_REQUEST), sum_cached_prompt_tokens, sum_cache_creation_tokens, sum_no_cache_tokens
  ...tokenColumns<AgentUsageRow>(
    { ...TOKEN_FIELDS.summedInputOutput, ...TOKEN_FIELDS.summedCache, noCache: "sumNoCacheTokens" },
    { after: PER_REQUEST },
  ),
];
