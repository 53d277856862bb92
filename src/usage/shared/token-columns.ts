import type { Column } from "./column.ts";

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

/** `sumNoCacheTokens` → `sum_no_cache_tokens`. */
const snakeCase = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

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
  return MEASURES.flatMap((measure) => {
    const field = fields[measure];
    const description = options.describe?.[measure] ?? DESCRIPTIONS[measure];
    const column: Column<Row> = { name: snakeCase(field), field, kind: "int", description, byok: true };
    return [column, ...(options.after?.[measure] ?? [])];
  });
}
