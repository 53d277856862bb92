import { defineUsageQuery } from "./usage-page.ts";

defineUsageQuery("projects", {
  queryName: "projectUsage",
  typeName: "ProjectUsage",
  description: "Projects export rows: messages in each project's chats.",
});
