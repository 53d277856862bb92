import type { PeriodFields } from "../shared/column.ts";

/** One row of the models export, as the query maps it (field names are also the GraphQL fields). */
export interface ModelUsageRow extends PeriodFields {
  name: string;
  provider: string;
  bringYourKeys: boolean;
  source: string | null;
  deployment: string | null;
  requests: number;
  sumPromptTokens: number;
  sumCompletionTokens: number;
  sumCachedPromptTokens: number;
  sumCacheCreationTokens: number;
  noCacheTokens: number;
  totalCostUsd: string;
}
