import { defineUsageQuery } from "./usage-page.ts";

defineUsageQuery("api_keys", {
  queryName: "apiKeyUsage",
  idField: "apiKeyId",
  typeName: "ApiKeyUsage",
  description: "API keys export rows: platform API requests and cost per key, or per (key, model) with groupBy.",
  groupBy: { MODEL: "model" },
});
