import { periodColumns, type Column } from "../shared/column.ts";
import type { ApiKeyUsageRow } from "./row.ts";

/** API keys export columns, names and order as in the export guide. */
export const API_KEY_COLUMNS: readonly Column<ApiKeyUsageRow>[] = [
  ...periodColumns<ApiKeyUsageRow>(),
  { name: "api_key_id", field: "apiKeyId", kind: "text", description: "ID of the API key" },
  { name: "model", field: "model", kind: "text", description: "Normalized model name (subgroup rows)", subgroup: "model" },
  { name: "api_key_name", field: "apiKeyName", kind: "text", description: "Name of the API key" },
  { name: "requests", field: "requests", kind: "int", description: "Number of API requests" },
  { name: "total_cost_usd", field: "totalCostUsd", kind: "money", description: "API usage cost in USD" },
  { name: "sum_prompt_tokens", field: "sumPromptTokens", kind: "int", description: "Total input tokens", byok: true },
  { name: "sum_completion_tokens", field: "sumCompletionTokens", kind: "int", description: "Total output tokens", byok: true },
  { name: "cached_prompt_tokens", field: "cachedPromptTokens", kind: "int", description: "Cache-read input tokens", byok: true },
  { name: "cache_creation_tokens", field: "cacheCreationTokens", kind: "int", description: "Cache-write input tokens", byok: true },
  { name: "no_cache_tokens", field: "noCacheTokens", kind: "int", description: "Input tokens not served from cache", byok: true },
];
