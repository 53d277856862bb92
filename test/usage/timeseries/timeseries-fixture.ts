import { Random } from "../../../src/demo/random.ts";
import { randomModelCall } from "../../fixtures/random-model-call.ts";
import type { Database } from "../../../src/db/client.ts";
import { ingestRecords } from "../../../src/ingest/ingest.ts";

/**
 * A workspace with random usage from 2026-02-20 to 2026-04-05 (UTC) around New
 * York's and Berlin's DST changes (8 and 29 March 2026), with no record at all
 * on 2026-03-15 and 2026-03-16 (UTC), and user u1 moving from Sales to Research at
 * 2026-03-10T15:00Z. Plus hand-placed records of u1 on 9 and 10 March.
 */
export const TS_NOW = new Date("2026-11-15T12:00:00Z");
const START = Date.UTC(2026, 1, 20);
const END = Date.UTC(2026, 3, 6);
const GAP = [Date.UTC(2026, 2, 15), Date.UTC(2026, 2, 17)];
const DEPARTMENT_CHANGE = "2026-03-10T15:00:00Z";

export async function createTimeSeriesWorkspace(
  db: Database,
  opts: { id: string; byok?: boolean; userLevelData?: boolean; firstWeekday?: number },
): Promise<void> {
  const ws = opts.id;
  await db.prisma.workspace.create({
    data: {
      id: ws,
      name: "Series",
      byok: opts.byok ?? true,
      userLevelData: opts.userLevelData ?? true,
      firstWeekday: opts.firstWeekday ?? 0,
    },
  });
  const rnd = new Random(11);
  const users = Array.from({ length: 8 }, (_, i) => `u${i}`);
  const departments = ["Sales", "Research", null, "Ops"];
  const models = ["gpt-4o-2024-08-06", "gpt-4o", "claude-sonnet-4", "gemini-2.5-pro"];
  const early = new Date(START - 30 * 86_400_000).toISOString();
  const records: object[] = [
    ...users.map((id, i) => ({
      type: "user",
      id,
      name: `User ${i}`,
      email: `${id}@example.com`,
      department: id === "u1" ? "Sales" : departments[i % departments.length],
      joinedAt: "2025-12-01",
      effectiveAt: early,
    })),
    {
      type: "user",
      id: "u1",
      name: "User 1",
      email: "u1@example.com",
      department: "Research",
      joinedAt: "2025-12-01",
      effectiveAt: DEPARTMENT_CHANGE,
    },
    { type: "agent", id: "ag1", name: "Agent 1", ownerId: "u0", effectiveAt: early },
    { type: "project", id: "pr1", name: "Project 1", ownerId: "u0", effectiveAt: early },
    ...["key1", "key2"].map((id) => ({ type: "api_key", id, name: `Key ${id}`, effectiveAt: early })),
    { type: "deployment", id: "dep1", name: "Azure EU", model: "gpt-4o", provider: "azure", effectiveAt: early },
  ];
  for (let i = 0; i < 3_000; i++) {
    const at = START + Math.floor(rnd.next() * (END - START));
    if (at >= (GAP[0] ?? 0) && at < (GAP[1] ?? 0)) continue;
    const common = { id: `r${i}`, occurredAt: new Date(at).toISOString(), ...randomModelCall(rnd, models, ["WEB", "MOBILE", "API"]) };
    if (rnd.chance(0.2)) {
      records.push({ type: "api_request", ...common, apiKeyId: rnd.pick(["key1", "key2"]) });
      continue;
    }
    const surface = rnd.pick(["chat", "chat", "agent", "project"] as const);
    records.push({
      type: "message",
      ...common,
      userId: rnd.pick(users),
      surface,
      agentId: surface === "agent" ? "ag1" : null,
      projectId: surface === "project" ? "pr1" : null,
      conversationId: `c${rnd.int(1, 40)}`,
    });
  }
  // u1 at noon in New York on 9 and 10 March: before and after the change (15:00Z on the 10th).
  const u1 = (id: string, occurredAt: string) => ({
    type: "message",
    id,
    occurredAt,
    userId: "u1",
    surface: "chat",
    model: "gpt-4o",
    provider: "openai",
    source: "WEB",
  });
  records.push(u1("h1", "2026-03-09T16:00:00Z"), u1("h2", "2026-03-10T16:00:00Z"));
  await ingestRecords(db, ws, records, { now: new Date(START - 30 * 86_400_000) });
}
