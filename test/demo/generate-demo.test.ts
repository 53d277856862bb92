import { beforeAll, describe, expect, test } from "vitest";
import { authenticate } from "../../src/auth/access-keys.ts";
import type { Database } from "../../src/db/client.ts";
import { seedDemoWorkspace } from "../../src/demo/generate-demo.ts";
import { testDatabase } from "../helpers/database.ts";

// A fixed clock: Wednesday 2026-06-17, 15:30 in Berlin.
const NOW = new Date("2026-06-17T13:30:00Z");

let db: Database;
beforeAll(async () => {
  db = await testDatabase();
});

const usageCount = (workspaceId: string) => db.prisma.usageRecord.count({ where: { workspaceId } });

describe("seedDemoWorkspace", () => {
  test("creates the BYOK Berlin workspace with ~25,000 usage records through ingestion", async () => {
    const progress: [number, number][] = [];
    const { workspaceId, apiKey, records } = await seedDemoWorkspace(db, {
      now: NOW,
      onProgress: (done, total) => progress.push([done, total]),
    });
    const ws = await db.prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
    expect([ws.name, ws.timezone, ws.byok, ws.userLevelData, ws.firstWeekday]).toEqual([
      "Acme Corp (demo)",
      "Europe/Berlin",
      true,
      true,
      1,
    ]);
    expect((await authenticate(db, `Bearer ${apiKey}`)).key.role).toBe("admin");

    const directory = await db.prisma.directoryVersion.groupBy({ by: ["kind"], where: { workspaceId }, _count: { entityId: true } });
    expect(Object.fromEntries(directory.map((d) => [d.kind, d._count.entityId]))).toEqual({
      user: 65, // 60 people, plus 2 departures and 3 changes of department or role
      agent: 8,
      project: 5,
      api_key: 3,
      deployment: 2,
    });
    const usage = await usageCount(workspaceId);
    expect(records).toBe(usage + 83);
    expect(usage).toBeGreaterThan(22_000);
    expect(usage).toBeLessThan(28_000);
    expect(progress[0]).toEqual([0, records]);
    expect(progress[progress.length - 1]).toEqual([records, records]);
    const kinds = await db.prisma.usageRecord.groupBy({ by: ["kind"], where: { workspaceId }, _count: { id: true } });
    expect(kinds.map((k) => k.kind).sort()).toEqual(["api_request", "message"]);
    // Model names are normalized on the way in: the raw name is kept beside.
    const models = await db.prisma.usageRecord.findMany({ where: { workspaceId }, distinct: ["modelRaw"], select: { modelRaw: true } });
    expect(models.map((m) => m.modelRaw).sort()).toEqual([
      "claude-3-5-sonnet-20241022",
      "gemini-1.5-pro-002",
      "gpt-4o-2024-08-06",
      "gpt-4o-mini",
    ]);
  }, 120_000);

  test("the same seed and clock give the same number of records, in a workspace of its own", async () => {
    const a = await seedDemoWorkspace(db, { now: NOW, seed: 5, days: 14 });
    const b = await seedDemoWorkspace(db, { now: NOW, seed: 5, days: 14 });
    expect(b.workspaceId).not.toBe(a.workspaceId);
    expect(b.records).toBe(a.records);
    expect(await usageCount(b.workspaceId)).toBe(await usageCount(a.workspaceId));
    const c = await seedDemoWorkspace(db, { now: NOW, seed: 6, days: 14 });
    expect(c.records).not.toBe(a.records);
  }, 120_000);
});
