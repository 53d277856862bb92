import { defineUsageQuery } from "./usage-page.ts";

defineUsageQuery("projects", {
  queryName: "projectUsage",
  idField: "projectId",
  typeName: "ProjectUsage",
  description: "Projects export rows: messages in each project's chats.",
});
