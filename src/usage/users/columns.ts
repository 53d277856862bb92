import { type Column, columnsFor } from "../shared/column.ts";
import { keyColumns } from "../shared/model-subgroups.ts";
import { TOKEN_FIELDS, tokenColumns } from "../shared/token-columns.ts";
import type { UserUsageRow } from "./row.ts";

const col = columnsFor<UserUsageRow>();

/** Users export columns, names and order as in the export guide. */
export const USER_COLUMNS: readonly Column<UserUsageRow>[] = [
  // period_start, period_end, org_id, user_id, model (subgroup rows)
  ...keyColumns(col.text("userId", "ID of the user")),
  col.text("name", "Name of the user", { personal: true }),
  col.text("email", "Email of the user", { personal: true }),
  col.text("role", "User role at the period end"),
  col.date("joinedAt", "Date the user joined the workspace"),
  col.text("department", "User department"),
  col.text("companyName", "User company name"),
  col.text("licenseType", "Current user license tier"),
  col.money("paygLimitCurrent", "Current extra-usage limit"),
  col.money("paygConsumptionInPeriod", "Extra-usage consumption in the selected period"),
  col.ratio("paygUtilizationPctCurrent", "payg_consumption_in_period / payg_limit_current (empty without a limit)"),
  col.int("messagesTotal", "Total messages sent by the user"),
  col.int("messagesTotalRank", "Rank by total messages (1 = most)", { ungroupedOnly: true }),
  col.int("messagesChat", "Messages sent in regular chats"),
  col.int("messagesChatRank", "Rank by chat messages", { ungroupedOnly: true }),
  col.int("messagesAssistants", "Messages sent to agents"),
  col.int("messagesAssistantsRank", "Rank by agent messages", { ungroupedOnly: true }),
  col.int("assistantsMessaged", "Number of distinct agents messaged"),
  col.json("assistantsToMessages", "Agent ID to message count", { ungroupedOnly: true }),
  col.int("messagesProjects", "Messages sent to projects"),
  col.int("messagesProjectsRank", "Rank by project messages", { ungroupedOnly: true }),
  col.int("projectsMessaged", "Number of distinct projects messaged", { ungroupedOnly: true }),
  col.json("projectsToMessages", "Project ID to message count", { ungroupedOnly: true }),
  col.json("modelToMessagesTotal", "Model name to message count", { ungroupedOnly: true }),
  col.int("actionMessages", "Messages that carried an action", { ungroupedOnly: true }),
  col.int("actionMessaged", "Number of distinct actions triggered", { ungroupedOnly: true }),
  col.json("actionToMessages", "Action name to message count", { ungroupedOnly: true }),
  // total_input_tokens, total_output_tokens, cached_prompt_tokens, cache_creation_tokens, no_cache_tokens
  ...tokenColumns<UserUsageRow>(
    { prompt: "totalInputTokens", completion: "totalOutputTokens", ...TOKEN_FIELDS.cache },
    { describe: { prompt: "Total input tokens consumed by the user", completion: "Total output tokens generated for the user" } },
  ),
  col.money("totalCostUsd", "Estimated provider cost in USD", { byok: true }),
];
