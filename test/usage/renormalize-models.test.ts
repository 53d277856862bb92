import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { Database } from "../../src/db/client.ts";
import { Random } from "../../src/demo/random.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { canonicalDataType, GROUP_BY_OPTIONS, isDataTypeName } from "../../src/usage/shared/data-types.ts";
import { reloadModelNameRules } from "../../src/usage/shared/model-names.ts";
import { queryRows, type UsageQuery } from "../../src/usage/shared/usage-query.ts";
import { DATA_TYPE_SLICES as USAGE_REPORTS } from "../../src/usage/registry.ts";
import { renormalizeModels } from "../../src/usage/rollups/renormalize-models.ts";
import { testDatabase } from "../helpers/database.ts";

/**
 * Records ingested under one rules file, then the rules change (MODEL_NAMES_FILE
 * rewritten) and `renormalizeModels` applies them: every query, from rollups or
 * raw records, shows the new names, and rollup reads still equal raw aggregates.
 */
const WS = "ws_renormalize";
const START = Date.UTC(2026, 6, 1);
const NOW = new Date("2026-11-15T12:00:00Z");
const RAW_MODELS = ["gpt-4o-2024-08-06", "gpt-4o-2024-11-20", "acme-writer-v3", "acme-writer-v4", "claude-sonnet-4-20250514"];
const DATED = { pattern: "-\\d{4}-\\d{2}-\\d{2}$", replace: "" };
const BEFORE = { rules: [DATED] };
const AFTER = {
  aliases: { "acme-writer-v3": "acme-writer", "acme-writer-v4": "acme-writer" },
  rules: [DATED, { pattern: "-\\d{8}$", replace: "" }],
};

const dir = mkdtempSync(join(tmpdir(), "ue-renormalize-"));
const rulesFile = join(dir, "model-names.json");
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

function useRules(rules: object) {
  writeFileSync(rulesFile, JSON.stringify(rules));
}

function records(count: number): object[] {
  const rnd = new Random(11);
  const agents = ["ag1", "ag2"];
  const out: object[] = [
    ...agents.map((id) => ({ type: "agent", id, name: `Agent ${id}`, ownerId: "u1", effectiveAt: new Date(START).toISOString() })),
    { type: "api_key", id: "key1", name: "Key 1", effectiveAt: new Date(START).toISOString() },
    { type: "project", id: "pr1", name: "Project 1", ownerId: "u2", effectiveAt: new Date(START).toISOString() },
    { type: "deployment", id: "dep1", name: "Azure EU", model: "gpt-4o", provider: "azure", effectiveAt: new Date(START).toISOString() },
  ];
  for (let i = 0; i < count; i++) {
    const model = rnd.pick(RAW_MODELS);
    const common = {
      id: `r${i}`,
      occurredAt: new Date(START + Math.floor(rnd.next() * 122 * 86_400_000)).toISOString(),
      model,
      provider: model.startsWith("claude") ? "anthropic" : model.startsWith("acme") ? "acme" : "openai",
      source: rnd.pick(["web", "api"]),
      deploymentId: rnd.chance(0.2) ? "dep1" : null,
      promptTokens: rnd.int(0, 5000),
      completionTokens: rnd.int(0, 3000),
      costUsd: (rnd.int(0, 2_000_000) / 1e6).toFixed(6),
    };
    if (rnd.chance(0.15)) out.push({ type: "api_request", ...common, apiKeyId: "key1" });
    else {
      const surface = rnd.pick(["chat", "agent", "project"] as const);
      out.push({
        type: "message",
        ...common,
        userId: `u${rnd.int(1, 20)}`,
        surface,
        agentId: surface === "agent" ? rnd.pick(agents) : null,
        projectId: surface === "project" ? "pr1" : null,
        conversationId: rnd.chance(0.7) ? `c${rnd.int(1, 30)}` : null,
      });
    }
  }
  return out;
}

const workspace = { id: WS, userLevelData: true, byok: true };
const OCTOBER = resolvePeriod({ date: "2026-10-01", timezone: "Europe/Berlin" }, { date: "2026-10-31", timezone: "Europe/Berlin" }, NOW);
const ALL = resolvePeriod({ date: "2026-07-01", timezone: "America/New_York" }, { date: "2026-10-31", timezone: "America/New_York" }, NOW);

const modelNames = async (rawOnly: boolean) =>
  [
    ...new Set((await queryRows(db, USAGE_REPORTS.models.query, { workspace, period: ALL, groupBy: null, rawOnly })).map((r) => r.name)),
  ].sort();

let db: Database;
let result: Awaited<ReturnType<typeof renormalizeModels>>;
let versionBefore: number;
beforeAll(async () => {
  vi.stubEnv("MODEL_NAMES_FILE", rulesFile);
  useRules(BEFORE);
  reloadModelNameRules();
  db = await testDatabase();
  await db.prisma.workspace.create({ data: { id: WS, name: "Renormalize", byok: true } });
  const all = records(3_000);
  for (let i = 0; i < all.length; i += 1_000) await ingestRecords(db, WS, all.slice(i, i + 1_000), { now: new Date(START) });
  expect(await modelNames(false)).toEqual(["acme-writer-v3", "acme-writer-v4", "claude-sonnet-4-20250514", "gpt-4o"]);

  useRules(AFTER);
  versionBefore = (await db.prisma.workspace.findUniqueOrThrow({ where: { id: WS } })).dataVersion;
  result = await renormalizeModels(db, WS);
});

test("renormalizing counts the records whose name changed, per raw name", async () => {
  const byRaw = await db.prisma.usageRecord.groupBy({ by: ["modelRaw"], where: { workspaceId: WS }, _count: true });
  const count = (raw: string) => byRaw.find((g) => g.modelRaw === raw)!._count;
  expect(result.renamed).toEqual([
    { raw: "acme-writer-v3", from: "acme-writer-v3", to: "acme-writer", records: count("acme-writer-v3") },
    { raw: "acme-writer-v4", from: "acme-writer-v4", to: "acme-writer", records: count("acme-writer-v4") },
    {
      raw: "claude-sonnet-4-20250514",
      from: "claude-sonnet-4-20250514",
      to: "claude-sonnet-4",
      records: count("claude-sonnet-4-20250514"),
    },
  ]);
  expect(result.changed).toBe(count("acme-writer-v3") + count("acme-writer-v4") + count("claude-sonnet-4-20250514"));
  expect(result.changed).toBeGreaterThan(1_000);
});

test("the models export shows the new names, from the rollups and from raw records alike", async () => {
  expect(await modelNames(false)).toEqual(["acme-writer", "claude-sonnet-4", "gpt-4o"]);
  expect(await modelNames(true)).toEqual(["acme-writer", "claude-sonnet-4", "gpt-4o"]);
  // Cached query results are dropped: the rebuild bumps the data version.
  expect((await db.prisma.workspace.findUniqueOrThrow({ where: { id: WS } })).dataVersion).toBeGreaterThan(versionBefore);
});

describe("after renormalizing, rollup reads equal raw aggregates", () => {
  const combinations = Object.keys(GROUP_BY_OPTIONS)
    .filter(isDataTypeName)
    .map(canonicalDataType)
    .flatMap((type) => [null, ...GROUP_BY_OPTIONS[type]].map((groupBy) => [type, groupBy] as const));
  for (const [name, period] of [
    ["October in Berlin", OCTOBER],
    ["July to October in New York", ALL],
  ] as const)
    for (const [type, groupBy] of combinations)
      test(`${type} grouped by ${groupBy ?? "nothing"} over ${name}`, async () => {
        const query: UsageQuery<unknown> = USAGE_REPORTS[type].query;
        const fromRollups = await queryRows(db, query, { workspace, period, groupBy });
        expect(fromRollups.length).toBeGreaterThan(0);
        expect(fromRollups).toEqual(await queryRows(db, query, { workspace, period, groupBy, rawOnly: true }));
      });
});

test("a second run changes nothing; records ingested since use the new rules", async () => {
  expect(await renormalizeModels(db, WS)).toEqual({ changed: 0, renamed: [] });
  const late = {
    type: "message",
    id: "late",
    occurredAt: "2026-10-15T10:00:00Z",
    userId: "u1",
    surface: "chat",
    model: "acme-writer-v3",
    provider: "acme",
    source: "web",
  };
  await ingestRecords(db, WS, [late]);
  expect(await db.prisma.usageRecord.findFirstOrThrow({ where: { workspaceId: WS, id: "late" } })).toMatchObject({
    model: "acme-writer",
    modelRaw: "acme-writer-v3",
  });
});

test("a rules file that cannot be read changes nothing and keeps the rules in use", async () => {
  useRules({ rules: [{ pattern: "(", replace: "" }] });
  await expect(renormalizeModels(db, WS)).rejects.toThrow(`Cannot load model-name rules from ${rulesFile}`);
  useRules(AFTER);
  expect(await modelNames(false)).toEqual(["acme-writer", "claude-sonnet-4", "gpt-4o"]);
});
