import { type Column, columnsFor, periodColumns } from "../shared/column.ts";
import { TOKEN_FIELDS, tokenColumns } from "../shared/token-columns.ts";
import type { ModelUsageRow } from "./row.ts";

const col = columnsFor<ModelUsageRow>();

/** Models export columns, names and order as in the export guide. */
export const MODEL_COLUMNS: readonly Column<ModelUsageRow>[] = [
  ...periodColumns<ModelUsageRow>(),
  col.text("name", "Normalized model name"),
  col.text("provider", "Model provider"),
  col.bool("bringYourKeys", "Whether usage came from a BYOK model"),
  col.text("source", "Request source such as WEB or MOBILE (subgroup rows)", { subgroup: "source" }),
  col.text("deployment", "BYOK deployment name, empty for non-BYOK usage (subgroup rows)", { subgroup: "deployment" }),
  col.int("requests", "Number of requests"),
  // sum_prompt_tokens, sum_completion_tokens, sum_cached_prompt_tokens, sum_cache_creation_tokens, no_cache_tokens
  ...tokenColumns<ModelUsageRow>({ ...TOKEN_FIELDS.summedInputOutput, ...TOKEN_FIELDS.summedCache, noCache: "noCacheTokens" }),
  col.money("totalCostUsd", "Estimated provider cost in USD", { byok: true }),
];
