import { defineUsageQuery } from "./usage-page.ts";

defineUsageQuery("models", {
  queryName: "modelUsage",
  idField: "name",
  typeName: "ModelUsage",
  description:
    "Models export rows: requests per (normalized model, provider, BYOK state), split by source or deployment (BYOK workspaces) with groupBy.",
  groupBy: { SOURCE: "source", DEPLOYMENT: "deployment" },
});
