import { periodColumns, type Column } from "../shared/column.ts";
import { tokenColumns } from "../shared/token-columns.ts";
import type { ModelUsageRow } from "./row.ts";

/** Models export columns, names and order as in the export guide. */
export const MODEL_COLUMNS: readonly Column<ModelUsageRow>[] = [
  ...periodColumns<ModelUsageRow>(),
  { name: "name", field: "name", kind: "text", description: "Normalized model name" },
  { name: "provider", field: "provider", kind: "text", description: "Model provider" },
  { name: "bring_your_keys", field: "bringYourKeys", kind: "bool", description: "Whether usage came from a BYOK model" },
  {
    name: "source",
    field: "source",
    kind: "text",
    description: "Request source such as WEB or MOBILE (subgroup rows)",
    subgroup: "source",
  },
  {
    name: "deployment",
    field: "deployment",
    kind: "text",
    description: "BYOK deployment name, empty for non-BYOK usage (subgroup rows)",
    subgroup: "deployment",
  },
  { name: "requests", field: "requests", kind: "int", description: "Number of requests" },
  // sum_prompt_tokens, sum_completion_tokens, sum_cached_prompt_tokens, sum_cache_creation_tokens, no_cache_tokens
  ...tokenColumns<ModelUsageRow>({
    prompt: "sumPromptTokens",
    completion: "sumCompletionTokens",
    cached: "sumCachedPromptTokens",
    cacheCreation: "sumCacheCreationTokens",
    noCache: "noCacheTokens",
  }),
  { name: "total_cost_usd", field: "totalCostUsd", kind: "money", description: "Estimated provider cost in USD", byok: true },
];
