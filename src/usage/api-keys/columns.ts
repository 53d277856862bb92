import { type Column, columnsFor } from "../shared/column.ts";
import { keyColumns } from "../shared/model-subgroups.ts";
import { TOKEN_FIELDS, tokenColumns } from "../shared/token-columns.ts";
import type { ApiKeyUsageRow } from "./row.ts";

const col = columnsFor<ApiKeyUsageRow>();

/** API keys export columns, names and order as in the export guide. */
export const API_KEY_COLUMNS: readonly Column<ApiKeyUsageRow>[] = [
  // period_start, period_end, org_id, api_key_id, model (subgroup rows)
  ...keyColumns(col.text("apiKeyId", "ID of the API key")),
  col.text("apiKeyName", "Name of the API key"),
  col.int("requests", "Number of API requests"),
  col.money("totalCostUsd", "API usage cost in USD"),
  // sum_prompt_tokens, sum_completion_tokens, cached_prompt_tokens, cache_creation_tokens, no_cache_tokens
  ...tokenColumns<ApiKeyUsageRow>({ ...TOKEN_FIELDS.summedInputOutput, ...TOKEN_FIELDS.cache }),
];
