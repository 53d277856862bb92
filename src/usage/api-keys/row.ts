import type { PeriodFields } from "../shared/column.ts";

/** One row of the API keys export, as the query maps it (field names are also the GraphQL fields). */
export interface ApiKeyUsageRow extends PeriodFields {
  apiKeyId: string;
  model: string | null;
  apiKeyName: string | null;
  requests: number;
  totalCostUsd: string;
  sumPromptTokens: number;
  sumCompletionTokens: number;
  cachedPromptTokens: number;
  cacheCreationTokens: number;
  noCacheTokens: number;
}
