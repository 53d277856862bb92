import type { PeriodFields } from "../shared/column.ts";

/** One row of the agents (assistants) export, as the query maps it (field names are also the GraphQL fields). */
export interface AgentUsageRow extends PeriodFields {
  assistantId: string;
  model: string | null;
  assistantName: string | null;
  assistantDescription: string | null;
  assistantUrl: string | null;
  assistantOwnerId: string | null;
  assistantOwnerEmail: string | null;
  messages: number;
  uniqueUsers: number;
  activeUsers: number | null;
  conversations: number | null;
  messagesPerUser: string | null;
  sumPromptTokens: number;
  avgPromptTokens: string | null;
  minPromptTokens: number;
  maxPromptTokens: number;
  sumCompletionTokens: number;
  avgCompletionTokens: string | null;
  minCompletionTokens: number;
  maxCompletionTokens: number;
  sumCachedPromptTokens: number;
  sumCacheCreationTokens: number;
  sumNoCacheTokens: number;
}
