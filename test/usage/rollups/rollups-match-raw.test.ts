import { DateTime } from "luxon";
import { beforeAll, describe, expect, test } from "vitest";
import { Random } from "../../../src/demo/random.ts";
import { randomModelCall } from "../../fixtures/random-model-call.ts";
import type { Database } from "../../../src/db/client.ts";
import { ingestRecords } from "../../../src/ingest/ingest.ts";
import { resolvePeriod } from "../../../src/periods/period.ts";
import { canonicalDataType, GROUP_BY_OPTIONS, isDataTypeName } from "../../../src/usage/shared/data-types.ts";
import { DATA_TYPE_SLICES as USAGE_REPORTS } from "../../../src/usage/registry.ts";
import { queryRows, type UsageQuery } from "../../../src/usage/shared/usage-query.ts";
import { rebuildRollups } from "../../../src/usage/rollups/rebuild-rollups.ts";
import { updateWorkspaceSettings } from "../../../src/workspaces/update-settings.ts";
import { testDatabase } from "../../helpers/database.ts";

/**
 * Queries read whole UTC days from the rollups and the partial days at the edges
 * from raw records. For a random workspace, every data type, grouping and
 * period must give exactly the rows of a direct aggregate over raw records.
 */
const WS = "ws_random";
const START = Date.UTC(2026, 6, 1); // July–October 2026
const SPAN_MS = 122 * 86_400_000;

function randomRecords(seed: number, count: number): object[] {
  const rnd = new Random(seed);
  const users = Array.from({ length: 40 }, (_, i) => `u${i}`);
  const agents = ["ag1", "ag2", "ag3", "ag4"];
  const projects = ["pr1", "pr2", "pr3"];
  const keys = ["key1", "key2", "key3"];
  const models = ["gpt-4o", "claude-sonnet-4", "gemini-2.5-pro"];
  const records: object[] = [
    ...users.map((id, i) => ({
      type: "user",
      id,
      name: `User ${i}`,
      email: `${id}@example.com`,
      joinedAt: new Date(START - 86_400_000 + i * 3 * 86_400_000).toISOString(),
      effectiveAt: new Date(START - 86_400_000).toISOString(),
      paygLimit: i % 3 === 0 ? 25 : null,
    })),
    ...agents.map((id) => ({ type: "agent", id, name: `Agent ${id}`, ownerId: "u1", effectiveAt: new Date(START).toISOString() })),
    ...projects.map((id) => ({ type: "project", id, name: `Project ${id}`, ownerId: "u2", effectiveAt: new Date(START).toISOString() })),
    ...keys.map((id) => ({ type: "api_key", id, name: `Key ${id}`, effectiveAt: new Date(START).toISOString() })),
    { type: "deployment", id: "dep1", name: "Azure EU", model: "gpt-4o", provider: "azure", effectiveAt: new Date(START).toISOString() },
  ];
  for (let i = 0; i < count; i++) {
    const occurredAt = new Date(START + Math.floor(rnd.next() * SPAN_MS)).toISOString();
    const common = {
      id: `r${seed}_${i}`,
      occurredAt,
      ...randomModelCall(rnd, models, ["web", "api", "slack"]),
      paygCostUsd: (rnd.int(0, 500_000) / 1e6).toFixed(6),
    };
    if (rnd.chance(0.15)) {
      records.push({ type: "api_request", ...common, apiKeyId: rnd.pick(keys) });
      continue;
    }
    const surface = rnd.pick(["chat", "chat", "agent", "project"] as const);
    records.push({
      type: "message",
      ...common,
      userId: rnd.pick(users),
      surface,
      agentId: surface === "agent" ? rnd.pick(agents) : null,
      projectId: surface === "project" ? rnd.pick(projects) : null,
      conversationId: rnd.chance(0.8) ? `c${rnd.int(1, 60)}` : null,
      action: rnd.chance(0.3) ? rnd.pick(["search", "code", "image"]) : null,
    });
  }
  return records;
}

const PERIODS = [
  { name: "a whole UTC month", from: "2026-08-01", to: "2026-08-31", timezone: "UTC" },
  { name: "a month in Berlin (edges mid-UTC-day)", from: "2026-09-01", to: "2026-09-30", timezone: "Europe/Berlin" },
  { name: "October in Kathmandu (+05:45)", from: "2026-10-01", to: "2026-10-31", timezone: "Asia/Kathmandu" },
  { name: "a week in Los Angeles", from: "2026-08-10", to: "2026-08-16", timezone: "America/Los_Angeles" },
  { name: "a single day (no whole UTC day inside)", from: "2026-07-15", to: "2026-07-15", timezone: "Asia/Tokyo" },
  { name: "custom instants", from: "2026-07-03T10:17:00", to: "2026-09-20T06:45:30.250", timezone: "UTC" },
  { name: "all four months in New York", from: "2026-07-01", to: "2026-10-31", timezone: "America/New_York" },
  { name: "October in Sydney (DST starts)", from: "2026-10-01", to: "2026-10-31", timezone: "Australia/Sydney" },
];

const NOW = new Date("2026-11-15T12:00:00Z");
const COMBINATIONS = Object.keys(GROUP_BY_OPTIONS)
  .filter(isDataTypeName)
  .map(canonicalDataType)
  .flatMap((type) => [null, ...GROUP_BY_OPTIONS[type]].map((groupBy) => [type, groupBy] as const));

let db: Database;
beforeAll(async () => {
  db = await testDatabase();
  await db.prisma.workspace.create({ data: { id: WS, name: "Random", byok: true } });
  const records = randomRecords(7, 6_000);
  // Several batches, and one sent twice: a duplicate must add nothing to the rollups.
  const batches = [records.slice(0, 2_500), records.slice(2_500, 4_000), records.slice(2_500, 4_000), records.slice(4_000)];
  for (const batch of batches) await ingestRecords(db, WS, batch, { now: new Date(START) });
});

describe("rollup reads equal raw aggregates", () => {
  for (const p of PERIODS) {
    for (const [type, groupBy] of COMBINATIONS) {
      test(`${type} grouped by ${groupBy ?? "nothing"} over ${p.name}`, async () => {
        const workspace = { id: WS, userLevelData: true, byok: true };
        const period = resolvePeriod({ date: p.from, timezone: p.timezone }, { date: p.to, timezone: p.timezone }, NOW);
        const query: UsageQuery<unknown> = USAGE_REPORTS[type].query;
        const fromRollups = await queryRows(db, query, { workspace, period, groupBy });
        const fromRaw = await queryRows(db, query, { workspace, period, groupBy, rawOnly: true });
        expect(fromRollups.length).toBeGreaterThan(0);
        expect(fromRollups).toEqual(fromRaw);
      });
    }
  }
});

describe("users export ranks", () => {
  // Ranks are computed over the rows with usage only; a member without usage ranks
  // below all of them. Whatever the path, a rank is 1 + how many rows count more.
  const RANKED = [
    ["messagesTotal", "messagesTotalRank"],
    ["messagesChat", "messagesChatRank"],
    ["messagesAssistants", "messagesAssistantsRank"],
    ["messagesProjects", "messagesProjectsRank"],
  ] as const;
  // Members who never send a message: every period has rows without usage.
  beforeAll(async () => {
    const idle = ["idle1", "idle2", "idle3"].map((id) => ({ type: "user", id, name: id, effectiveAt: new Date(START).toISOString() }));
    await ingestRecords(db, WS, idle, { now: new Date(START) });
  });
  for (const p of PERIODS) {
    test(`are 1 + the number of members with a larger count, over ${p.name}`, async () => {
      const workspace = { id: WS, userLevelData: true, byok: true };
      const period = resolvePeriod({ date: p.from, timezone: p.timezone }, { date: p.to, timezone: p.timezone }, NOW);
      const rows = await queryRows(db, USAGE_REPORTS.users.query, { workspace, period, groupBy: null });
      expect(rows.filter((r) => r.messagesTotal === 0).length).toBeGreaterThan(0);
      for (const [count, rank] of RANKED) {
        const values = rows.map((r) => r[count]);
        expect(
          rows.map((r) => r[rank]),
          count,
        ).toEqual(values.map((v) => 1 + values.filter((w) => w > v).length));
      }
    });
  }
});

test("a rebuild reproduces the rollups the trigger maintained", async () => {
  const snapshot = () =>
    db.prisma.$queryRaw<{ t: string }[]>`
      select md5(string_agg(d::text, '|' order by d::text)) as t from usage_daily d where workspace_id = ${WS}
      union all select md5(string_agg(m::text, '|' order by m::text)) from usage_daily_models m where workspace_id = ${WS}
      union all select md5(string_agg(c::text, '|' order by c::text)) from usage_daily_conversations c where workspace_id = ${WS}
      union all select md5(string_agg(u::text, '|' order by u::text)) from usage_monthly_user_totals u where workspace_id = ${WS}
      union all select md5(string_agg(u::text, '|' order by u::text)) from usage_monthly_user_keys u where workspace_id = ${WS}
      union all select md5(string_agg(a::text, '|' order by a::text)) from usage_monthly_agent_users a where workspace_id = ${WS}`;
  const before = await snapshot();
  const version = (await db.prisma.workspace.findUniqueOrThrow({ where: { id: WS } })).dataVersion;
  await rebuildRollups(db, WS);
  expect(await snapshot()).toEqual(before);
  expect((await db.prisma.workspace.findUniqueOrThrow({ where: { id: WS } })).dataVersion).toBe(version + 1);
});

describe("users and agents rows from months of the workspace's own zone equal raw aggregates", () => {
  // The monthly rollups are cut by the workspace's zone: written by the
  // trigger in UTC, re-cut by each change of zone, then added to by ingestion in
  // the new zone. Zones west and east of UTC, with and without DST changes inside.
  const ZONES = ["America/New_York", "Asia/Kathmandu", "Australia/Sydney", "Europe/Berlin"];
  const ZONE_PERIODS = [
    { name: "four whole months", from: "2026-07-01", to: "2026-10-31" },
    { name: "whole months between partial ones", from: "2026-07-15", to: "2026-10-10" },
    { name: "one whole month", from: "2026-10-01", to: "2026-10-31" },
    { name: "a day", from: "2026-09-30", to: "2026-09-30" },
  ];
  const monthly = () =>
    db.prisma.$queryRaw<{ t: string }[]>`
      select md5(string_agg(u::text, '|' order by u::text)) as t from usage_monthly_user_totals u where workspace_id = ${WS}
      union all select md5(string_agg(u::text, '|' order by u::text)) from usage_monthly_user_keys u where workspace_id = ${WS}
      union all select md5(string_agg(a::text, '|' order by a::text)) from usage_monthly_agent_users a where workspace_id = ${WS}`;
  for (const [z, timezone] of ZONES.entries()) {
    describe(`in ${timezone}`, () => {
      beforeAll(async () => {
        await updateWorkspaceSettings(db, WS, { timezone }, (tx) => tx.workspace.update({ where: { id: WS }, data: { timezone } }));
        // Records at each month's edge in the new zone, added by the trigger.
        const edges = ["2026-08-01T00:00:00", "2026-09-30T23:59:59.999", "2026-10-01T00:00:00"].map((local, i) => ({
          type: "message",
          id: `edge_${z}_${i}`,
          occurredAt: DateTime.fromISO(local, { zone: timezone }).toISO(),
          ...randomModelCall(new Random(z * 10 + i), ["gpt-4o", "claude-sonnet-4"], ["web"]),
          userId: "u3",
          surface: i === 1 ? "agent" : "chat",
          agentId: i === 1 ? "ag2" : null,
          action: i === 2 ? "search" : null,
        }));
        // Early in July: in the days a period starting mid-July reads July whole and
        // takes away. A user with no other usage, and keys u3 uses nowhere else.
        const early = [
          { userId: `early_${z}`, surface: "chat", agentId: null, action: `early_${z}` },
          { userId: "u3", surface: "agent", agentId: `ag_early_${z}`, action: null },
        ].map((who, i) => ({
          type: "message",
          id: `early_${z}_${i}`,
          occurredAt: DateTime.fromISO("2026-07-02T12:00:00", { zone: timezone }).toISO(),
          ...randomModelCall(new Random(z * 10 + i), [`early-model-${z}`], ["web"]),
          ...who,
        }));
        await ingestRecords(db, WS, [...edges, ...early], { now: new Date(START) });
      });
      test("the trigger's months are those a rebuild cuts", async () => {
        const kept = await monthly();
        await db.prisma.$queryRaw`select usage_monthly_rebuild(${WS})::text`;
        expect(await monthly()).toEqual(kept);
      });
      for (const p of ZONE_PERIODS) {
        for (const groupBy of [null, "model"] as const) {
          const workspace = { id: WS, userLevelData: true, byok: true };
          const input = () => ({ workspace, period: resolvePeriod({ date: p.from, timezone }, { date: p.to, timezone }, NOW), groupBy });
          test(`users grouped by ${groupBy ?? "nothing"} over ${p.name}`, async () => {
            const fromRollups = await queryRows(db, USAGE_REPORTS.users.query, input());
            const fromRaw = await queryRows(db, USAGE_REPORTS.users.query, { ...input(), rawOnly: true });
            expect(fromRollups.filter((r) => r.messagesTotal > 0).length).toBeGreaterThan(0);
            expect(fromRollups).toEqual(fromRaw);
          });
          test(`agents grouped by ${groupBy ?? "nothing"} over ${p.name}`, async () => {
            const fromRollups = await queryRows(db, USAGE_REPORTS.agents.query, input());
            const fromRaw = await queryRows(db, USAGE_REPORTS.agents.query, { ...input(), rawOnly: true });
            expect(fromRollups.filter((r) => r.messages > 0).length).toBeGreaterThan(0);
            expect(fromRollups).toEqual(fromRaw);
          });
        }
      }
    });
  }
});
