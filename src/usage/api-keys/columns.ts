import type { Column } from "../shared/column.ts";
import { keyColumns } from "../shared/model-subgroups.ts";
import { tokenColumns } from "../shared/token-columns.ts";
import type { ApiKeyUsageRow } from "./row.ts";

/** API keys export columns, names and order as in the export guide. */
export const API_KEY_COLUMNS: readonly Column<ApiKeyUsageRow>[] = [
  // period_start, period_end, org_id, api_key_id, model (subgroup rows)
  ...keyColumns<ApiKeyUsageRow>({ name: "api_key_id", field: "apiKeyId", kind: "text", description: "ID of the API key" }),
  { name: "api_key_name", field: "apiKeyName", kind: "text", description: "Name of the API key" },
  { name: "requests", field: "requests", kind: "int", description: "Number of API requests" },
  { name: "total_cost_usd", field: "totalCostUsd", kind: "money", description: "API usage cost in USD" },
  // sum_prompt_tokens, sum_completion_tokens, cached_prompt_tokens, cache_creation_tokens, no_cache_tokens
  ...tokenColumns<ApiKeyUsageRow>({
    prompt: "sumPromptTokens",
    completion: "sumCompletionTokens",
    cached: "cachedPromptTokens",
    cacheCreation: "cacheCreationTokens",
    noCache: "noCacheTokens",
  }),
];
