import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../src/db/client.ts";
import { Prisma } from "../../../src/generated/prisma/client.ts";
import { ingestRecords } from "../../../src/ingest/ingest.ts";
import {
  attributesAsOf,
  attributesAt,
  entitiesOfPeriod,
  existingDuring,
  latestAttributes,
} from "../../../src/usage/shared/directory-sql.ts";
import { testDatabase } from "../../helpers/database.ts";

// The directory snapshot (valid_from/valid_to per version, kept by a trigger)
// must answer exactly what the rule answers when applied to all versions: the
// latest version with effective_at <= t, else the first one (SPEC §7). The
// reference below is that rule written out as the `distinct on` the queries ran
// before the snapshot.

let db: Database;
beforeAll(async () => {
  db = await testDatabase();
});

async function workspace(): Promise<string> {
  const id = `ws_${randomUUID()}`;
  await db.prisma.workspace.create({ data: { id, name: "Directory snapshot" } });
  return id;
}

type Pair = { entity_id: string; name: string | null };

const byEntity = (rows: Pair[]) => rows.sort((a, b) => a.entity_id.localeCompare(b.entity_id));

async function asOfByRule(ws: string, at: Date): Promise<Pair[]> {
  return byEntity(
    await db.read<Pair>(Prisma.sql`select distinct on (entity_id) entity_id, attrs->>'name' as name
      from directory_versions where workspace_id = ${ws} and kind = 'project'
      order by entity_id, (effective_at <= ${at}) desc, case when effective_at <= ${at} then effective_at end desc, effective_at`),
  );
}

async function asOfSnapshot(ws: string, at: Date): Promise<Pair[]> {
  return byEntity(await db.read<Pair>(Prisma.sql`select entity_id, attrs->>'name' as name from (${attributesAsOf(ws, "project", at)}) s`));
}

async function eachAt(ws: string, ids: string[], at: Date): Promise<Pair[]> {
  const rows: Pair[] = [];
  for (const id of ids) {
    const [row] = await db.read<{ name: string | null }>(
      Prisma.sql`select ${attributesAt(ws, "project", Prisma.sql`${id}::text`, Prisma.sql`${at}::timestamptz`)}->>'name' as name`,
    );
    rows.push({ entity_id: id, name: row?.name ?? null });
  }
  return rows;
}

/** A seeded generator, so a failure names a sequence that can be replayed. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

describe("the directory snapshot", () => {
  it("answers as of any instant exactly as the rule over all versions, however the versions arrived", async () => {
    const ws = await workspace();
    const next = random(7);
    const ids = ["p1", "p2", "p3", "p4", "p5"];
    const days = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i * 5, 6)));
    // Versions arrive out of order, several per request, some re-sent with the same
    // effectiveAt (an update in place), through the service's ingestion and a plain insert.
    for (let round = 0; round < 12; round++) {
      const batch = Array.from({ length: 1 + Math.floor(next() * 4) }, () => {
        const day = days[Math.floor(next() * days.length)]!;
        return { type: "project", id: ids[Math.floor(next() * ids.length)]!, name: `v${round}`, effectiveAt: day.toISOString() };
      });
      if (round % 3 === 2) {
        await db.prisma.directoryVersion.createMany({
          data: batch.map((b) => ({
            workspaceId: ws,
            kind: "project" as const,
            entityId: b.id,
            effectiveAt: new Date(b.effectiveAt.replace("T06", "T07")),
            attrs: { name: `${b.name}-direct` },
          })),
          skipDuplicates: true,
        });
      } else {
        await ingestRecords(db, ws, batch);
      }
    }
    const versions = await db.prisma.directoryVersion.count({ where: { workspaceId: ws } });
    expect(versions).toBeGreaterThan(ids.length);

    const instants = [
      new Date("2025-12-31T00:00:00Z"), // before every version: each entity's first
      ...days, // exactly at an effectiveAt: that version
      ...days.map((d) => new Date(d.getTime() + 30 * 60_000)), // between the two kinds of writes
      ...days.map((d) => new Date(d.getTime() - 1)),
      new Date("2027-01-01T00:00:00Z"), // after every version: the latest
    ];
    for (const at of instants) {
      const expected = await asOfByRule(ws, at);
      expect(await asOfSnapshot(ws, at), at.toISOString()).toEqual(expected);
      expect(await eachAt(ws, ids, at), at.toISOString()).toEqual(
        ids.map((id) => ({ entity_id: id, name: expected.find((e) => e.entity_id === id)?.name ?? null })),
      );
    }
    const latest = byEntity(
      await db.read<Pair>(Prisma.sql`select entity_id, attrs->>'name' as name from (${latestAttributes(ws, "project")}) l`),
    );
    expect(latest).toEqual(await asOfByRule(ws, new Date("9999-01-01T00:00:00Z")));
  });

  it("reads each user's attributes at a period's end, its latest ones and whether it existed in one pass, as the three reads do", async () => {
    const ws = await workspace();
    await db.prisma.workspace.update({ where: { id: ws }, data: { timezone: "America/New_York" } });
    const next = random(11);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
    const joined = ["2026-01-15", "2026-02-01", "2026-02-28T23:30:00.000Z", undefined];
    const removed = ["2026-03-01", "2026-04-10T04:00:00.000Z", undefined];
    for (let round = 0; round < 10; round++) {
      const batch = Array.from({ length: 8 }, (_, i) => ({
        type: "user",
        id: `u${(round * 3 + i) % 14}`,
        name: `n${round}-${i}`,
        email: next() < 0.2 ? undefined : `u${i}@example.com`,
        licenseType: pick(["pro", "team", undefined]),
        joinedAt: pick(joined),
        removedAt: pick(removed),
        effectiveAt: new Date(Date.UTC(2026, Math.floor(next() * 5), 1 + Math.floor(next() * 27), Math.floor(next() * 24))).toISOString(),
      }));
      await ingestRecords(db, ws, batch);
    }
    const periods = [
      { from: new Date("2026-02-01T05:00:00Z"), to: new Date("2026-03-01T04:59:59.999Z") },
      { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2026-01-31T23:59:59.999Z") },
      { from: new Date("2026-03-15T04:00:00Z"), to: new Date("2026-06-30T03:59:59.999Z") },
    ];
    const existed: boolean[] = [];
    const names: (string | null)[] = [];
    type Row = { entity_id: string; existed: boolean; name: string | null; email: string | null; license_type: string | null };
    for (const period of periods) {
      const onePass = await db.read<Row>(Prisma.sql`select entity_id, existed, name, email, license_type
        from (${entitiesOfPeriod(ws, "user", period, { asOf: { name: "name", email: "email" }, latest: { license_type: "licenseType" } })}) e
        order by entity_id`);
      const threeReads = await db.read<Row>(Prisma.sql`select a.entity_id, k.entity_id is not null as existed,
          a.attrs->>'name' as name, a.attrs->>'email' as email, l.attrs->>'licenseType' as license_type
        from (${attributesAsOf(ws, "user", period.to)}) a
        join (${latestAttributes(ws, "user")}) l on l.entity_id = a.entity_id
        left join (${existingDuring(ws, "user", period)}) k on k.entity_id = a.entity_id
        order by a.entity_id`);
      expect(threeReads.length).toBeGreaterThan(5);
      expect(onePass, period.from.toISOString()).toEqual(threeReads);
      existed.push(...threeReads.map((r) => r.existed));
      names.push(...threeReads.map((r) => r.name));
    }
    // The periods tell members from non-members, and a name at a period's end from a later one.
    expect(new Set(existed)).toEqual(new Set([true, false]));
    expect(new Set(names).size).toBeGreaterThan(20);
  });

  it("keeps one range per entity: the first version open to the past, the latest to the future", async () => {
    const ws = await workspace();
    const at = (iso: string) => ({ type: "user", id: "u1", name: iso, effectiveAt: iso });
    await ingestRecords(db, ws, [at("2026-03-01T00:00:00.000Z")]);
    await ingestRecords(db, ws, [at("2026-05-01T00:00:00.000Z"), at("2026-01-01T00:00:00.000Z")]);
    const ranges = await db.prisma.directoryVersion.findMany({
      where: { workspaceId: ws },
      orderBy: { effectiveAt: "asc" },
      select: { effectiveAt: true, validFrom: true, validTo: true },
    });
    expect(ranges).toEqual([
      { effectiveAt: new Date("2026-01-01T00:00:00Z"), validFrom: null, validTo: new Date("2026-03-01T00:00:00Z") },
      {
        effectiveAt: new Date("2026-03-01T00:00:00Z"),
        validFrom: new Date("2026-03-01T00:00:00Z"),
        validTo: new Date("2026-05-01T00:00:00Z"),
      },
      { effectiveAt: new Date("2026-05-01T00:00:00Z"), validFrom: new Date("2026-05-01T00:00:00Z"), validTo: null },
    ]);
  });
});
