import { DateTime } from "luxon";
import { beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db/client.ts";
import { Prisma } from "../../src/generated/prisma/client.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { updateWorkspaceSettings } from "../../src/workspaces/update-settings.ts";
import { testDatabase } from "../helpers/database.ts";

// The monthly users and agents rollups are cut by the workspace's time zone
// (prisma/migrations/…_usage_monthly_users, …_usage_monthly_agents): a change of zone re-cuts them.

const WS = "ws_zones";
let db: Database;

/** A message at a UTC instant, on the agent surface every third one and naming an action every other. */
const message = (id: string, occurredAt: string, i: number) => ({
  type: "message",
  id,
  occurredAt,
  userId: `u${i % 3}`,
  surface: i % 3 === 0 ? "agent" : "chat",
  agentId: i % 3 === 0 ? "a1" : null,
  action: i % 2 === 0 ? "search" : null,
  model: i % 4 === 0 ? "gpt-4o" : "claude-sonnet-4",
  provider: "openai",
  source: "web",
  promptTokens: 10 + i,
  completionTokens: 5,
});

/** Messages in the last and first hours of every month of 2026, where zones east and west of UTC disagree on the month. */
function edgeMessages(prefix: string): object[] {
  return Array.from({ length: 12 }, (_, m) => DateTime.utc(2026, m + 1, 1)).flatMap((first, m) =>
    [-13, -3, 0, 5, 13].map((hours, j) => message(`${prefix}_${m}_${j}`, first.plus({ hours }).toISO()!, m * 5 + j)),
  );
}

/** Messages per month of the rollups, as stored. */
async function storedMonths(): Promise<Record<string, number>> {
  const rows = await db.read<{ month: string; n: number; k: number; agents: number; agentKeys: number }>(Prisma.sql`
    select t.month::text as month, t.n, k.n as k, coalesce(a.n, 0) as agents, coalesce(ak.n, 0) as "agentKeys" from
      (select month, sum(records)::int as n from usage_monthly_user_totals where workspace_id = ${WS} group by month) t
      join (select month, sum(records)::int as n from usage_monthly_user_keys where workspace_id = ${WS} and dim = 'model' group by month) k using (month)
      left join (select month, sum(records)::int as n from usage_monthly_user_keys where workspace_id = ${WS} and dim = 'agent' group by month) ak using (month)
      left join (select month, sum(records)::int as n from usage_monthly_agent_users where workspace_id = ${WS} group by month) a using (month)
    order by 1`);
  // The users tables hold the same messages, and the agents table the same agent messages.
  for (const r of rows) {
    expect(r.k, r.month).toBe(r.n);
    expect(r.agents, r.month).toBe(r.agentKeys);
  }
  expect(rows.some((r) => r.agents > 0)).toBe(true);
  return Object.fromEntries(rows.map((r) => [r.month, r.n]));
}

/** Messages per month of `zone`, counted here from the stored instants. */
async function expectedMonths(zone: string): Promise<Record<string, number>> {
  const rows = await db.read<{ at: Date }>(Prisma.sql`
    select occurred_at as at from usage_records where workspace_id = ${WS} and kind = 'message'`);
  const out: Record<string, number> = {};
  for (const { at } of rows) {
    const month = DateTime.fromJSDate(at, { zone }).startOf("month").toISODate()!;
    out[month] = (out[month] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

const setZone = (timezone: string) =>
  updateWorkspaceSettings(db, WS, { timezone }, (tx) => tx.workspace.update({ where: { id: WS }, data: { timezone } }));

/** The rows' transaction ids: a rebuild writes every row anew. */
const rowVersions = () =>
  db.read<{ x: string }>(Prisma.sql`select xmin::text as x from usage_monthly_user_totals where workspace_id = ${WS}
    union all select xmin::text from usage_monthly_agent_users where workspace_id = ${WS} order by 1`);

beforeAll(async () => {
  db = await testDatabase();
  await db.prisma.workspace.create({ data: { id: WS, name: "Zones" } });
  await ingestRecords(db, WS, edgeMessages("m"));
});

describe("updateWorkspaceSettings", () => {
  test("stored in UTC, the months are UTC's", async () => {
    expect(await storedMonths()).toEqual(await expectedMonths("UTC"));
  });

  for (const zone of ["Pacific/Auckland", "America/Los_Angeles", "Asia/Kathmandu"]) {
    test(`a change to ${zone} re-cuts every month by it`, async () => {
      await setZone(zone);
      expect((await db.prisma.workspace.findUniqueOrThrow({ where: { id: WS } })).timezone).toBe(zone);
      const months = await storedMonths();
      expect(months).toEqual(await expectedMonths(zone));
      expect(months).not.toEqual(await expectedMonths("UTC"));
    });
  }

  test("records stored after the change go into the new zone's months", async () => {
    await ingestRecords(db, WS, edgeMessages("late"));
    expect(await storedMonths()).toEqual(await expectedMonths("Asia/Kathmandu"));
  });

  test("the zone it already has, or another setting, rebuilds nothing", async () => {
    const before = await rowVersions();
    await setZone("Asia/Kathmandu");
    await updateWorkspaceSettings(db, WS, {}, (tx) => tx.workspace.update({ where: { id: WS }, data: { name: "Zones 2" } }));
    expect(await rowVersions()).toEqual(before);
  });

  test("records stored while the zone changes land in the months of the zone in force when they are stored", async () => {
    // Ingestion and the change at once: the change waits for the writers, or they for it.
    await Promise.all([
      ingestRecords(db, WS, edgeMessages("during1")),
      setZone("Europe/Berlin"),
      ingestRecords(db, WS, edgeMessages("during2")),
    ]);
    expect(await storedMonths()).toEqual(await expectedMonths("Europe/Berlin"));
  });
});
