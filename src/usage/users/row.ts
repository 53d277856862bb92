import type { KeyCount, PeriodFields } from "../shared/column.ts";

/** One row of the users export, as the query maps it (field names are also the GraphQL fields). */
export interface UserUsageRow extends PeriodFields {
  userId: string;
  model: string | null;
  name: string | null;
  email: string | null;
  role: string | null;
  joinedAt: string | null;
  department: string | null;
  companyName: string | null;
  licenseType: string | null;
  paygLimitCurrent: string | null;
  paygConsumptionInPeriod: string;
  paygUtilizationPctCurrent: string | null;
  messagesTotal: number;
  messagesTotalRank: number | null;
  messagesChat: number;
  messagesChatRank: number | null;
  messagesAssistants: number;
  messagesAssistantsRank: number | null;
  assistantsMessaged: number;
  assistantsToMessages: KeyCount[] | null;
  messagesProjects: number;
  messagesProjectsRank: number | null;
  projectsMessaged: number | null;
  projectsToMessages: KeyCount[] | null;
  modelToMessagesTotal: KeyCount[] | null;
  actionMessages: number | null;
  actionMessaged: number | null;
  actionToMessages: KeyCount[] | null;
  totalInputTokens: number;
  totalOutputTokens: number;
  cachedPromptTokens: number;
  cacheCreationTokens: number;
  noCacheTokens: number;
  totalCostUsd: string;
}
