import { randomUUID } from "node:crypto";
import { whileAnotherClientStoresM1 } from "../../helpers/lock-wait.ts";
import { describe, expect, test } from "vitest";
import { openDatabase, type Database } from "../../../src/db/client.ts";
import { Prisma } from "../../../src/generated/prisma/client.ts";
import { ingestRecords } from "../../../src/ingest/ingest.ts";
import { createUsagePartitions } from "../../../src/jobs/create-usage-partitions.ts";
import { ensureUsagePartitions } from "../../../src/usage/partitions/ensure-partitions.ts";
import { addMonths, monthOf, monthsFrom } from "../../../src/usage/partitions/months.ts";
import { testApp } from "../../helpers/app.ts";
import { testDatabase, testDatabaseUrl } from "../../helpers/database.ts";

// Usage tables are partitioned by UTC month (prisma/migrations/…_usage_monthly_partitions):
// months are created ahead by a job and on demand by ingestion, and a record id is
// stored once whatever its occurredAt (usage_record_keys).

const TABLES = ["usage_records", "usage_daily", "usage_daily_models", "usage_daily_conversations"];

const db = await testDatabase();
/** With PostgreSQL, a second database for the test with another client (PGlite has one session). */
const concurrentUrl = process.env.DATABASE_URL ? await testDatabaseUrl() : null;

/** Partition names of the usage tables, from pg_inherits. */
async function partitionNames(target: Database = db): Promise<string[]> {
  const rows = await target.read<{ name: string }>(Prisma.sql`
    select c.relname::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = any(array['usage_records', 'usage_daily', 'usage_daily_models', 'usage_daily_conversations']::regclass[])
    order by 1`);
  return rows.map((r) => r.name);
}

const namesOf = (months: string[]) => TABLES.flatMap((t) => months.map((m) => `${t}_p${m.slice(0, 4)}${m.slice(5, 7)}`)).sort();

async function workspace(target: Database = db): Promise<string> {
  const id = `ws_${randomUUID()}`;
  await target.prisma.workspace.create({ data: { id, name: "Partitions" } });
  return id;
}

const message = (id: string, occurredAt: string, extra: Record<string, unknown> = {}) => ({
  type: "message",
  id,
  occurredAt,
  userId: "u1",
  surface: "agent",
  agentId: "a1",
  conversationId: "c1",
  model: "gpt-4o",
  provider: "openai",
  source: "WEB",
  promptTokens: 10,
  ...extra,
});

async function stored(workspaceId: string, target: Database = db) {
  const [row] = await target.read<{ records: number; rolled: number; models: number; conversations: number; keys: number }>(Prisma.sql`
    select (select count(*)::int from usage_records where workspace_id = ${workspaceId}) as records,
      (select coalesce(sum(records), 0)::int from usage_daily where workspace_id = ${workspaceId}) as rolled,
      (select coalesce(sum(records), 0)::int from usage_daily_models where workspace_id = ${workspaceId}) as models,
      (select count(*)::int from usage_daily_conversations where workspace_id = ${workspaceId}) as conversations,
      (select count(*)::int from usage_record_keys where workspace_id = ${workspaceId}) as keys`);
  return row!;
}

describe("months", () => {
  test("are counted on the digits, from year 1 to 9999 and across years", () => {
    expect(monthOf(new Date("0001-01-01T00:00:00Z"))).toBe("0001-01-01");
    expect(monthOf(new Date("2026-12-31T23:59:59.999Z"))).toBe("2026-12-01");
    expect(addMonths("2026-12-01", 1)).toBe("2027-01-01");
    expect(addMonths("2026-12-01", -13)).toBe("2025-11-01");
    expect(addMonths("0001-02-01", -1)).toBe("0001-01-01");
    expect(monthsFrom("9999-11-01", 2)).toEqual(["9999-11-01", "9999-12-01"]);
  });
});

describe("partitions", () => {
  test("the migration created this month's and the next two months' partitions of the four usage tables", async () => {
    const months = monthsFrom(monthOf(new Date()), 3);
    expect(await partitionNames()).toEqual(expect.arrayContaining(namesOf(months)));
  });

  test("the create-usage-partitions job creates the month of its clock and the next two, and running it again changes nothing", async () => {
    const app = testApp(db, { now: new Date("2031-11-20T08:00:00Z") });
    expect(await createUsagePartitions(app)).toEqual({ months: ["2031-11-01", "2031-12-01", "2032-01-01"] });
    const names = await partitionNames();
    expect(names).toEqual(expect.arrayContaining(namesOf(["2031-11-01", "2031-12-01", "2032-01-01"])));
    expect(names.filter((n) => n.endsWith("_p203202"))).toEqual([]);
    await createUsagePartitions(app);
    expect(await partitionNames()).toEqual(names);
  });

  test("a month's usage_records partition holds exactly that UTC month", async () => {
    await ensureUsagePartitions(db, ["2030-02-01"]);
    const [bounds] = await db.read<{ records: string; daily: string }>(Prisma.sql`
      select pg_get_expr(r.relpartbound, r.oid) as records, pg_get_expr(d.relpartbound, d.oid) as daily
      from pg_class r, pg_class d where r.relname = 'usage_records_p203002' and d.relname = 'usage_daily_p203002'`);
    expect(bounds).toEqual({
      records: "FOR VALUES FROM ('2030-02-01 00:00:00+00') TO ('2030-03-01 00:00:00+00')",
      daily: "FOR VALUES FROM ('2030-02-01') TO ('2030-03-01')",
    });
  });
});

describe("ingestion into months without a partition", () => {
  test("records decades in the past and in the future, and at the first and last instants a record may have, are stored and rolled up", async () => {
    const ws = await workspace();
    const times = [
      "0001-01-01T00:00:00Z",
      "1987-03-04T05:06:07Z",
      "2003-02-28T23:59:59.999Z",
      "2061-07-04T12:00:00Z",
      "9999-12-31T23:59:59.999Z",
    ];
    const before = await partitionNames();
    expect(before.some((n) => /_p(000101|198703|200302|206107|999912)$/.test(n))).toBe(false);
    const result = await ingestRecords(
      db,
      ws,
      times.map((t, i) => message(`far-${i}`, t)),
    );
    expect(result).toEqual({ accepted: 5, duplicates: 0 });
    expect(await stored(ws)).toEqual({ records: 5, rolled: 5, models: 5, conversations: 5, keys: 5 });
    expect((await partitionNames()).filter((n) => !before.includes(n))).toEqual(
      namesOf(["0001-01-01", "1987-03-01", "2003-02-01", "2061-07-01", "9999-12-01"]),
    );
    const days = await db.read<{ day: string }>(Prisma.sql`select day::text from usage_daily where workspace_id = ${ws} order by day`);
    expect(days.map((d) => d.day)).toEqual(["0001-01-01", "1987-03-04", "2003-02-28", "2061-07-04", "9999-12-31"]);
  });

  test("rows written directly (not ingested) need their month first: without it PostgreSQL refuses the row", async () => {
    const ws = await workspace();
    const row = {
      workspaceId: ws,
      kind: "message" as const,
      id: "direct",
      occurredAt: new Date("1999-09-09T09:09:09Z"),
      model: "gpt-4o",
      modelRaw: "gpt-4o",
      provider: "openai",
      source: "WEB",
    };
    await expect(db.prisma.usageRecord.create({ data: row })).rejects.toThrow(/no partition of relation "usage_records" found for row/);
    await ensureUsagePartitions(db, [monthOf(row.occurredAt)]);
    await db.prisma.usageRecord.create({ data: row });
    expect(await stored(ws)).toMatchObject({ records: 1, rolled: 1, keys: 1 });
  });
});

describe("a record id is stored once, whatever its occurredAt", () => {
  test("a re-sent id with another occurredAt, in another month, is a duplicate and changes nothing", async () => {
    const ws = await workspace();
    expect(await ingestRecords(db, ws, [message("m1", "2026-10-05T10:00:00Z")])).toEqual({ accepted: 1, duplicates: 0 });
    expect(await ingestRecords(db, ws, [message("m1", "2024-02-10T10:00:00Z", { promptTokens: 99 })])).toEqual({
      accepted: 0,
      duplicates: 1,
    });
    expect(await stored(ws)).toEqual({ records: 1, rolled: 1, models: 1, conversations: 1, keys: 1 });
    const rows = await db.prisma.usageRecord.findMany({ where: { workspaceId: ws }, select: { occurredAt: true, promptTokens: true } });
    expect(rows).toEqual([{ occurredAt: new Date("2026-10-05T10:00:00Z"), promptTokens: 10 }]);
  });

  test("a batch mixing new ids and ids stored in other months stores exactly the new ones", async () => {
    const ws = await workspace();
    await ingestRecords(db, ws, [message("a", "2026-01-15T00:00:00Z"), message("b", "2026-02-15T00:00:00Z")]);
    const result = await ingestRecords(db, ws, [
      message("b", "2025-12-31T23:59:59.999Z"),
      message("c", "2026-03-01T00:00:00Z"),
      message("a", "2026-01-15T00:00:00Z"),
      message("d", "2025-12-31T23:59:59.999Z"),
    ]);
    expect(result).toEqual({ accepted: 2, duplicates: 2 });
    const ids = await db.prisma.usageRecord.findMany({
      where: { workspaceId: ws },
      orderBy: { id: "asc" },
      select: { id: true, occurredAt: true },
    });
    expect(ids.map((r) => [r.id, r.occurredAt.toISOString()])).toEqual([
      ["a", "2026-01-15T00:00:00.000Z"],
      ["b", "2026-02-15T00:00:00.000Z"],
      ["c", "2026-03-01T00:00:00.000Z"],
      ["d", "2025-12-31T23:59:59.999Z"],
    ]);
    expect(await stored(ws)).toEqual({ records: 4, rolled: 4, models: 4, conversations: 4, keys: 4 });
  });

  test("a message and an API request may share an id: the key is (workspace, kind, id)", async () => {
    const ws = await workspace();
    const request = {
      type: "api_request",
      id: "same",
      occurredAt: "2026-05-01T00:00:00Z",
      apiKeyId: "k1",
      model: "gpt-4o",
      provider: "openai",
      source: "API",
    };
    expect(await ingestRecords(db, ws, [message("same", "2026-04-01T00:00:00Z"), request])).toEqual({ accepted: 2, duplicates: 0 });
    expect(await ingestRecords(db, ws, [{ ...request, occurredAt: "2026-06-01T00:00:00Z" }])).toEqual({ accepted: 0, duplicates: 1 });
  });

  test("deleting a record forgets its id, so it can be stored again", async () => {
    const ws = await workspace();
    await ingestRecords(db, ws, [message("gone", "2026-07-07T07:07:07Z")]);
    await db.prisma.usageRecord.deleteMany({ where: { workspaceId: ws } });
    expect(await stored(ws)).toMatchObject({ records: 0, keys: 0 });
    expect(await ingestRecords(db, ws, [message("gone", "2026-08-08T08:08:08Z")])).toEqual({ accepted: 1, duplicates: 0 });
  });
});

describe.runIf(concurrentUrl)("an id another client is storing with another occurredAt", () => {
  test("waits for the other transaction, then counts the id as a duplicate and stores the rest", async () => {
    const own = await openDatabase({ kind: "postgres", url: concurrentUrl! });
    try {
      const ws = await workspace(own);
      await ensureUsagePartitions(own, ["2026-10-01"]);
      const ingest = whileAnotherClientStoresM1(concurrentUrl!, ws, "2026-10-05T10:00:00Z", () =>
        ingestRecords(own, ws, [message("m1", "2026-11-05T10:00:00Z"), message("m2", "2026-11-06T10:00:00Z")]),
      );
      expect(await ingest).toEqual({ accepted: 1, duplicates: 1 });
      const rows = await own.prisma.usageRecord.findMany({
        where: { workspaceId: ws },
        orderBy: { id: "asc" },
        select: { id: true, occurredAt: true },
      });
      expect(rows.map((r) => [r.id, r.occurredAt.toISOString()])).toEqual([
        ["m1", "2026-10-05T10:00:00.000Z"],
        ["m2", "2026-11-06T10:00:00.000Z"],
      ]);
      expect(await stored(ws, own)).toEqual({ records: 2, rolled: 2, models: 2, conversations: 1, keys: 2 });
    } finally {
      await own.close();
    }
  });
});
