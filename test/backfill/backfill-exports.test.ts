import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { createExport } from "../../src/exports/create-export.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { resolvePeriod, type Period } from "../../src/periods/period.ts";
import type { DataTypeName } from "../../src/usage/shared/data-types.ts";
import { agentUsage } from "../../src/usage/agents/query.ts";
import { apiKeyUsage } from "../../src/usage/api-keys/query.ts";
import { projectUsage } from "../../src/usage/projects/query.ts";
import { queryRows } from "../../src/usage/shared/usage-query.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";

// A platform connecting for the first time: its directory as it is "today" (no
// effectiveAt, creation dates only where it knows them) and a year of usage, all
// in one request. SPEC §2/§7: the first version known stands for all earlier
// times, so a past month lists every entity that existed then (zeros where
// unused); createdAt/deletedAt move entities in and out of periods, and usage
// lists an entity whatever its dates say.

/** "Today": 1 December 2026, 09:00 UTC. */
const NOW = new Date("2026-12-01T09:00:00Z");
const WS = "ws_bf";
/** December 2025 … November 2026: the twelve months before today. */
const MONTHS = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2025, 11 + i, 1)).toISOString().slice(0, 7));

const db = await testDatabase();
const app = testApp(db, { now: NOW });

const message = (id: string, month: string, userId: string, target: Record<string, string>) => ({
  type: "message",
  id,
  occurredAt: `${month}-10T12:00:00Z`,
  userId,
  model: "gpt-4o",
  provider: "openai",
  source: "WEB",
  surface: target.agentId ? "agent" : target.projectId ? "project" : "chat",
  ...target,
});

const directory = [
  { type: "user", id: "u1", name: "Ada", email: "ada@bf.test", role: "admin", joinedAt: "2025-06-01" },
  { type: "user", id: "u2", name: "Bo", email: "bo@bf.test", role: "member", joinedAt: "2025-06-01" },
  { type: "agent", id: "a_used", name: "Helper", ownerId: "u1" },
  { type: "agent", id: "a_idle", name: "Idle", ownerId: "u2" },
  { type: "agent", id: "a_new", name: "New", ownerId: "u1", createdAt: "2026-09-15" },
  { type: "agent", id: "a_gone", name: "Gone", ownerId: "u2", deletedAt: "2026-06-01" },
  { type: "project", id: "p_used", name: "Launch", ownerId: "u1" },
  { type: "project", id: "p_idle", name: "Idle", ownerId: "u2" },
  // An instant: 07:00 UTC on 1 October.
  { type: "project", id: "p_late", name: "Late", ownerId: "u1", createdAt: "2026-10-01T09:00:00+02:00" },
  { type: "api_key", id: "k_used", name: "CI" },
  { type: "api_key", id: "k_idle", name: "Unused" },
  { type: "api_key", id: "k_revoked", name: "Old", deletedAt: "2026-03-10T12:00:00Z" },
  { type: "deployment", id: "d1", name: "eu", model: "gpt-4o", provider: "openai", createdAt: "2025-01-01", deletedAt: "2026-01-01" },
];

const usage = MONTHS.flatMap((month) => [
  message(`chat-${month}`, month, "u1", {}),
  message(`agent-${month}`, month, "u1", { agentId: "a_used", conversationId: `c-${month}` }),
  message(`project-${month}`, month, "u2", { projectId: "p_used" }),
  {
    type: "api_request",
    id: `req-${month}`,
    occurredAt: `${month}-10T12:00:00Z`,
    apiKeyId: "k_used",
    model: "gpt-4o",
    provider: "openai",
    source: "API",
    promptTokens: 1000,
    completionTokens: 100,
    costUsd: "0.01",
  },
  ...(month < "2026-06" ? [message(`gone-${month}`, month, "u2", { agentId: "a_gone", conversationId: `g-${month}` })] : []),
  ...(month >= "2026-10" ? [message(`new-${month}`, month, "u1", { agentId: "a_new", conversationId: `n-${month}` })] : []),
]);
// a_gone was deleted on 1 June, yet someone messaged it in July.
usage.push(message("gone-late", "2026-07", "u2", { agentId: "a_gone", conversationId: "g-late" }));

await db.prisma.workspace.create({ data: { id: WS, name: "Backfill", timezone: "UTC" } });
const ingested = await ingestRecords(db, WS, [...directory, ...usage], { now: NOW });

const month = (m: string): Period => {
  const last = new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 0)).toISOString().slice(0, 10);
  return resolvePeriod({ date: `${m}-01`, timezone: "UTC" }, { date: last, timezone: "UTC" }, NOW);
};
const input = (m: string) => ({ workspace: { id: WS, byok: false, userLevelData: true }, period: month(m), groupBy: null });

async function csv(dataType: DataTypeName, m: string): Promise<string> {
  const result = await createExport(app, { workspaceId: WS, dataType, period: month(m) });
  return readFile(result.absolutePath, "utf8");
}
const lines = (rows: string[]) => rows.map((r) => `${r}\r\n`).join("");

describe("a directory sent today with a year of usage", () => {
  test("is ingested in one request", () => {
    expect(ingested).toEqual({ accepted: directory.length + usage.length, duplicates: 0 });
  });

  test("March's agents export lists every agent that existed in March, the unused one with zeros", async () => {
    expect(await csv("agents", "2026-03")).toBe(
      lines([
        "period_start,period_end,org_id,assistant_id,assistant_name,assistant_description,assistant_url,assistant_owner_id,assistant_owner_email,messages,unique_users,active_users,conversations,messages_per_user",
        "2026-03-01,2026-03-31,ws_bf,a_gone,Gone,,,u2,bo@bf.test,1,1,1,1,1.00",
        "2026-03-01,2026-03-31,ws_bf,a_used,Helper,,,u1,ada@bf.test,1,1,1,1,1.00",
        "2026-03-01,2026-03-31,ws_bf,a_idle,Idle,,,u2,bo@bf.test,0,0,0,0,",
      ]),
    );
  });

  test("March's projects export lists the unused project, not the one created in October", async () => {
    expect(await csv("projects", "2026-03")).toBe(
      lines([
        "period_start,period_end,org_id,project_id,project_name,project_owner_id,project_owner_email,messages",
        "2026-03-01,2026-03-31,ws_bf,p_used,Launch,u1,ada@bf.test,1",
        "2026-03-01,2026-03-31,ws_bf,p_idle,Idle,u2,bo@bf.test,0",
      ]),
    );
  });

  test("March's API keys export lists the key deleted on 10 March with zeros, April's no longer does", async () => {
    expect(await csv("api_keys", "2026-03")).toBe(
      lines([
        "period_start,period_end,org_id,api_key_id,api_key_name,requests,total_cost_usd",
        "2026-03-01,2026-03-31,ws_bf,k_used,CI,1,0.01",
        "2026-03-01,2026-03-31,ws_bf,k_idle,Unused,0,0",
        "2026-03-01,2026-03-31,ws_bf,k_revoked,Old,0,0",
      ]),
    );
    expect(await csv("api_keys", "2026-04")).toBe(
      lines([
        "period_start,period_end,org_id,api_key_id,api_key_name,requests,total_cost_usd",
        "2026-04-01,2026-04-30,ws_bf,k_used,CI,1,0.01",
        "2026-04-01,2026-04-30,ws_bf,k_idle,Unused,0,0",
      ]),
    );
  });

  test("the first month of the year lists every user, agent, project and key of the directory that existed then", async () => {
    const agents = await queryRows(db, agentUsage, input("2025-12"));
    expect(agents.map((r) => [r.assistantId, r.messages])).toEqual([
      ["a_gone", 1],
      ["a_used", 1],
      ["a_idle", 0],
    ]);
    const projects = await queryRows(db, projectUsage, input("2025-12"));
    expect(projects.map((r) => [r.projectId, r.messages])).toEqual([
      ["p_used", 1],
      ["p_idle", 0],
    ]);
    const keys = await queryRows(db, apiKeyUsage, input("2025-12"));
    expect(keys.map((r) => [r.apiKeyId, r.requests])).toEqual([
      ["k_used", 1],
      ["k_idle", 0],
      ["k_revoked", 0],
    ]);
  });
});

describe("createdAt and deletedAt move entities in and out of periods", () => {
  const agentsIn = async (m: string) => (await queryRows(db, agentUsage, input(m))).map((r) => [r.assistantId, r.messages]);
  const projectsIn = async (m: string) => (await queryRows(db, projectUsage, input(m))).map((r) => [r.projectId, r.messages]);

  test("an agent deleted on 1 June (a calendar date) is listed in May, gone in June", async () => {
    expect(await agentsIn("2026-05")).toEqual([
      ["a_gone", 1],
      ["a_used", 1],
      ["a_idle", 0],
    ]);
    expect(await agentsIn("2026-06")).toEqual([
      ["a_used", 1],
      ["a_idle", 0],
    ]);
  });

  test("a deleted agent that was messaged anyway is listed in that month", async () => {
    expect(await agentsIn("2026-07")).toEqual([
      ["a_gone", 1],
      ["a_used", 1],
      ["a_idle", 0],
    ]);
  });

  test("an agent created on 15 September is absent in August and listed from September, with zeros until used", async () => {
    expect(await agentsIn("2026-08")).toEqual([
      ["a_used", 1],
      ["a_idle", 0],
    ]);
    expect(await agentsIn("2026-09")).toEqual([
      ["a_used", 1],
      ["a_idle", 0],
      ["a_new", 0],
    ]);
    expect(await agentsIn("2026-10")).toEqual([
      ["a_new", 1],
      ["a_used", 1],
      ["a_idle", 0],
    ]);
  });

  test("a project created at an instant on 1 October is absent in September and listed in October", async () => {
    expect(await projectsIn("2026-09")).toEqual([
      ["p_used", 1],
      ["p_idle", 0],
    ]);
    expect(await projectsIn("2026-10")).toEqual([
      ["p_used", 1],
      ["p_idle", 0],
      ["p_late", 0],
    ]);
  });

  test("a project's creation instant counts from its exact time: a period ending before 07:00 UTC on 1 October leaves it out", async () => {
    const period = resolvePeriod({ date: "2026-10-01", timezone: "UTC" }, { date: "2026-10-01T06:59:59.999Z", timezone: "UTC" }, NOW);
    const rows = await queryRows(db, projectUsage, { ...input("2026-10"), period });
    expect(rows.map((r) => [r.projectId, r.messages])).toEqual([
      ["p_idle", 0],
      ["p_used", 0],
    ]);
  });
});
