import { defineUsageQuery } from "./usage-page.ts";

defineUsageQuery("users", {
  queryName: "userUsage",
  idField: "userId",
  typeName: "UserUsage",
  description: "Users export rows: one per member whose membership overlaps the period, or per (user, model) with groupBy.",
  groupBy: { MODEL: "model" },
});
