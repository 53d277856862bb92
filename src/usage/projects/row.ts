import type { PeriodFields } from "../shared/column.ts";

/** One row of the projects export, as the query maps it (field names are also the GraphQL fields). */
export interface ProjectUsageRow extends PeriodFields {
  projectId: string;
  projectName: string | null;
  projectOwnerId: string | null;
  projectOwnerEmail: string | null;
  messages: number;
}
