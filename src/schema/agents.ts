import { defineUsageQuery } from "./usage-page.ts";

defineUsageQuery("agents", {
  queryName: "agentUsage",
  idField: "assistantId",
  typeName: "AgentUsage",
  description: "Agents (assistants) export rows: one per agent that existed in the period, or per (agent, model) with groupBy.",
  groupBy: { MODEL: "model" },
});
