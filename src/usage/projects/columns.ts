import { type Column, columnsFor, periodColumns } from "../shared/column.ts";
import type { ProjectUsageRow } from "./row.ts";

const col = columnsFor<ProjectUsageRow>();

/** Projects export columns, names and order as in the export guide. */
export const PROJECT_COLUMNS: readonly Column<ProjectUsageRow>[] = [
  ...periodColumns<ProjectUsageRow>(),
  col.text("projectId", "ID of the project"),
  col.text("projectName", "Name of the project"),
  col.text("projectOwnerId", "ID of the project owner"),
  col.text("projectOwnerEmail", "Email of the project owner", { personal: true }),
  col.int("messages", "Number of messages in project chats"),
];
