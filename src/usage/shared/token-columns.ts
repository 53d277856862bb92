import { type Column, columnsFor } from "./column.ts";

// The token count columns: shared because users, agents, API keys and models all
// have the same five, named each type's own way but meaning the same.

type TokenMeasure = "prompt" | "completion" | "cached" | "cacheCreation" | "noCache";

/** The export guide's order. */
const MEASURES: readonly TokenMeasure[] = ["prompt", "completion", "cached", "cacheCreation", "noCache"];

const DESCRIPTIONS: Record<TokenMeasure, string> = {
  prompt: "Total input tokens",
  completion: "Total output tokens",
  cached: "Cache-read input tokens",
  cacheCreation: "Cache-write input tokens",
  noCache: "Input tokens not served from cache",
};

/** Field names that several types share, for `tokenColumns`' `fields`. */
export const TOKEN_FIELDS = {
  /** sum_prompt_tokens, sum_completion_tokens: agents, API keys, models. */
  summedInputOutput: { prompt: "sumPromptTokens", completion: "sumCompletionTokens" },
  /** sum_cached_prompt_tokens, sum_cache_creation_tokens: agents, models. */
  summedCache: { cached: "sumCachedPromptTokens", cacheCreation: "sumCacheCreationTokens" },
  /** cached_prompt_tokens, cache_creation_tokens, no_cache_tokens: users, API keys. */
  cache: { cached: "cachedPromptTokens", cacheCreation: "cacheCreationTokens", noCache: "noCacheTokens" },
} as const;

interface TokenColumnOptions<Row> {
  /** Descriptions that say more than the common ones. */
  describe?: Partial<Record<TokenMeasure, string>>;
  /** A type's own columns, placed right after a token column. */
  after?: Partial<Record<TokenMeasure, readonly Column<Row>[]>>;
}

/**
 * The five token count columns, BYOK-only, in the guide's order: input, output,
 * cache-read, cache-write, no-cache. `fields` names the row field of each; the
 * CSV header is that field in snake_case (`sumPromptTokens` → `sum_prompt_tokens`).
 */
export function tokenColumns<Row>(fields: Record<TokenMeasure, keyof Row & string>, options: TokenColumnOptions<Row> = {}): Column<Row>[] {
  const col = columnsFor<Row>();
  return MEASURES.flatMap((measure) => {
    const description = options.describe?.[measure] ?? DESCRIPTIONS[measure];
    return [col.int(fields[measure], description, { byok: true }), ...(options.after?.[measure] ?? [])];
  });
}
