import { periodColumns, type Column } from "../shared/column.ts";
import type { ProjectUsageRow } from "./row.ts";

/** Projects export columns, names and order as in the export guide. */
export const PROJECT_COLUMNS: readonly Column<ProjectUsageRow>[] = [
  ...periodColumns<ProjectUsageRow>(),
  { name: "project_id", field: "projectId", kind: "text", description: "ID of the project" },
  { name: "project_name", field: "projectName", kind: "text", description: "Name of the project" },
  { name: "project_owner_id", field: "projectOwnerId", kind: "text", description: "ID of the project owner" },
  { name: "project_owner_email", field: "projectOwnerEmail", kind: "text", description: "Email of the project owner", personal: true },
  { name: "messages", field: "messages", kind: "int", description: "Number of messages in project chats" },
];
