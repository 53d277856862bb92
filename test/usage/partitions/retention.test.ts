import { readFile } from "node:fs/promises";
import pg from "pg";
import { describe, expect, test } from "vitest";
import { parseEnv } from "../../../src/config/env.ts";
import { openDatabase, type Database } from "../../../src/db/client.ts";
import { createExport } from "../../../src/exports/create-export.ts";
import { Prisma } from "../../../src/generated/prisma/client.ts";
import { ingestRecords } from "../../../src/ingest/ingest.ts";
import { dropExpiredUsagePartitions } from "../../../src/jobs/drop-expired-usage-partitions.ts";
import { resolvePeriod } from "../../../src/periods/period.ts";
import { applyUsageRetention } from "../../../src/usage/partitions/retention.ts";
import { monthsFrom } from "../../../src/usage/partitions/months.ts";
import type { DataTypeName } from "../../../src/usage/shared/data-types.ts";
import { testApp } from "../../helpers/app.ts";
import { parseCsv } from "../../helpers/csv.ts";
import { testDatabase, testDatabaseUrl } from "../../helpers/database.ts";

// Retention (src/usage/partitions/retention.ts, job drop-expired-usage-partitions) with the
// clock moved forward: the job reads app.now(), the server's timers are never faked.

const TABLES = ["usage_records", "usage_daily", "usage_daily_models", "usage_daily_conversations"];
const WS = "ws_retention";
/** Half an hour into March 2030 (UTC): in Kiritimati (UTC+14) a period may start on 2029-03-01, which is 2029-02-28T10:00Z. */
const CLOCK = new Date("2030-03-01T00:30:00Z");

const db = await testDatabase();
/** With PostgreSQL, a database of its own for the tests where another client keeps the tables busy. */
const busyUrl = process.env.DATABASE_URL ? await testDatabaseUrl() : null;

const message = (id: string, occurredAt: string, userId = "u1") => ({
  type: "message",
  id,
  occurredAt,
  userId,
  surface: "agent",
  agentId: "a1",
  conversationId: `c-${id}`,
  model: "gpt-4o",
  provider: "openai",
  source: "WEB",
  promptTokens: 10,
  completionTokens: 2,
});

/** One message on the 15th of every month from January 2028 to February 2030, one late on 2029-02-28 and one in March 2030. */
async function seed(target: Database, workspaceId: string): Promise<void> {
  await target.prisma.workspace.create({ data: { id: workspaceId, name: "Retention" } });
  const monthly = monthsFrom("2028-01-01", 26).map((m) => message(`m-${m.slice(0, 7)}`, `${m.slice(0, 8)}15T12:00:00Z`));
  const users = ["u1", "u2"].map((id) => ({ type: "user", id, name: id.toUpperCase(), effectiveAt: "2027-01-01T00:00:00Z" }));
  const result = await ingestRecords(target, workspaceId, [
    ...users,
    ...monthly,
    message("late-feb", "2029-02-28T12:00:00Z", "u2"),
    message("march", "2030-03-01T00:10:00Z"),
  ]);
  expect(result).toEqual({ accepted: 30, duplicates: 0 });
}

async function partitions(target: Database = db): Promise<{ name: string; month: string }[]> {
  const rows = await target.read<{ name: string }>(Prisma.sql`
    select c.relname::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = any(array['usage_records', 'usage_daily', 'usage_daily_models', 'usage_daily_conversations']::regclass[])`);
  return rows.map(({ name }) => ({ name, month: `${name.slice(-6, -2)}-${name.slice(-2)}-01` }));
}

/** As retention lists them: by month, then table. */
const byMonthThenTable = (names: { name: string; month: string }[]) =>
  [...names]
    .sort((a, b) => a.month.localeCompare(b.month) || TABLES.indexOf(a.name.slice(0, -8)) - TABLES.indexOf(b.name.slice(0, -8)))
    .map((p) => p.name);
const namesOf = (months: string[]) => months.flatMap((m) => TABLES.map((t) => `${t}_p${m.slice(0, 4)}${m.slice(5, 7)}`));

async function counts(target: Database, workspaceId: string) {
  const [row] = await target.read<{
    records: number;
    rolled: number;
    monthly: number;
    oldestMonth: string | null;
    oldestAgentMonth: string | null;
    keys: number;
    oldest: string | null;
    oldestKey: string | null;
  }>(Prisma.sql`
    select (select count(*)::int from usage_records where workspace_id = ${workspaceId}) as records,
      (select coalesce(sum(records), 0)::int from usage_daily where workspace_id = ${workspaceId}) as rolled,
      (select coalesce(sum(records), 0)::int from usage_monthly_user_totals where workspace_id = ${workspaceId}) as monthly,
      (select min(month)::text from usage_monthly_user_keys where workspace_id = ${workspaceId}) as "oldestMonth",
      (select min(month)::text from usage_monthly_agent_users where workspace_id = ${workspaceId}) as "oldestAgentMonth",
      (select count(*)::int from usage_record_keys where workspace_id = ${workspaceId}) as keys,
      (select min(occurred_at)::text from usage_records where workspace_id = ${workspaceId}) as oldest,
      (select min(occurred_at)::text from usage_record_keys where workspace_id = ${workspaceId}) as "oldestKey"`);
  return row!;
}

/** The CSV bytes of an export (file names differ run to run, contents must not). */
async function exportCsv(dataType: DataTypeName, from: string, to: string, timezone = "UTC"): Promise<string> {
  const app = testApp(db, { now: CLOCK });
  const period = resolvePeriod({ date: from, timezone }, { date: to, timezone }, CLOCK);
  const result = await createExport(app, { workspaceId: WS, dataType, period });
  return readFile(result.absolutePath, "utf8");
}

await seed(db, WS);

describe("USAGE_RETENTION_MONTHS", () => {
  test("defaults to 13, takes more, and refuses fewer than 13 (the 12-month history would reach a dropped month)", () => {
    expect(parseEnv({}).usageRetentionMonths).toBe(13);
    expect(parseEnv({ USAGE_RETENTION_MONTHS: "24" }).usageRetentionMonths).toBe(24);
    expect(() => parseEnv({ USAGE_RETENTION_MONTHS: "12" })).toThrow(
      "USAGE_RETENTION_MONTHS: must be at least 13 (periods reach back 12 months, into the 13th month before this one in UTC)",
    );
    expect(() => parseEnv({ USAGE_RETENTION_MONTHS: "13.5" })).toThrow("USAGE_RETENTION_MONTHS");
  });
});

describe("retention with the clock moved to 2030-03-01", () => {
  test("with USAGE_RETENTION_MONTHS=24 only the months before March 2028 go", async () => {
    const before = await partitions();
    const app = testApp(db, { now: CLOCK, env: { USAGE_RETENTION_MONTHS: "24" } });
    const result = await dropExpiredUsagePartitions(app);
    const expired = before.filter((p) => p.month < "2028-03-01");
    expect(result).toEqual({ firstKept: "2028-03-01", dropped: byMonthThenTable(expired), postponed: false, keysDeleted: 2 });
    expect(result.dropped).toEqual(expect.arrayContaining(namesOf(["2028-01-01", "2028-02-01"])));
    expect((await partitions()).map((p) => p.name).sort()).toEqual(
      before
        .filter((p) => p.month >= "2028-03-01")
        .map((p) => p.name)
        .sort(),
    );
    expect(await counts(db, WS)).toEqual({
      records: 26,
      rolled: 26,
      monthly: 26,
      oldestMonth: "2028-03-01",
      oldestAgentMonth: "2028-03-01",
      keys: 26,
      oldest: "2028-03-15 12:00:00+00",
      oldestKey: "2028-03-15 12:00:00+00",
    });
  });

  test("by default it keeps March 2030 and the 13 months before it, drops exactly the older partitions, and kept months export the same", async () => {
    const exportsBefore = {
      users: await exportCsv("users", "2029-04-01", "2030-02-28"),
      models: await exportCsv("models", "2029-04-01", "2030-02-28"),
      agents: await exportCsv("agents", "2029-04-01", "2030-02-28"),
      // The earliest period allowed at this instant: it starts in February 2029 in UTC.
      earliest: await exportCsv("models", "2029-03-01", "2029-03-31", "Pacific/Kiritimati"),
    };
    // m-2029-03 and late-feb (2029-02-28T12:00Z, 1 March in Kiritimati): February's partition must stay.
    const [header, row] = parseCsv(exportsBefore.earliest);
    expect(row![header!.indexOf("requests")]).toBe("2");
    const before = await partitions();

    const result = await dropExpiredUsagePartitions(testApp(db, { now: CLOCK }));

    const expired = before.filter((p) => p.month < "2029-02-01");
    expect(result).toEqual({ firstKept: "2029-02-01", dropped: byMonthThenTable(expired), postponed: false, keysDeleted: 11 });
    expect(result.dropped).toEqual(expect.arrayContaining(namesOf(monthsFrom("2028-03-01", 11))));
    const after = (await partitions()).map((p) => p.name).sort();
    expect(after).toEqual(
      before
        .filter((p) => p.month >= "2029-02-01")
        .map((p) => p.name)
        .sort(),
    );
    expect(after).toEqual(expect.arrayContaining(namesOf(monthsFrom("2029-02-01", 14))));
    expect(await counts(db, WS)).toEqual({
      records: 15,
      rolled: 15,
      monthly: 15,
      oldestMonth: "2029-02-01",
      oldestAgentMonth: "2029-02-01",
      keys: 15,
      oldest: "2029-02-15 12:00:00+00",
      oldestKey: "2029-02-15 12:00:00+00",
    });
    expect({
      users: await exportCsv("users", "2029-04-01", "2030-02-28"),
      models: await exportCsv("models", "2029-04-01", "2030-02-28"),
      agents: await exportCsv("agents", "2029-04-01", "2030-02-28"),
      earliest: await exportCsv("models", "2029-03-01", "2029-03-31", "Pacific/Kiritimati"),
    }).toEqual(exportsBefore);
  });

  test("an id of a kept month is still a duplicate; one of a dropped month is forgotten, and the next run drops it again", async () => {
    expect(await ingestRecords(db, WS, [message("m-2029-02", "2029-02-15T12:00:00Z")])).toEqual({ accepted: 0, duplicates: 1 });
    expect(await ingestRecords(db, WS, [message("m-2028-06", "2028-06-15T12:00:00Z")])).toEqual({ accepted: 1, duplicates: 0 });
    const result = await dropExpiredUsagePartitions(testApp(db, { now: CLOCK }));
    expect(result).toEqual({ firstKept: "2029-02-01", dropped: namesOf(["2028-06-01"]), postponed: false, keysDeleted: 1 });
    expect(await counts(db, WS)).toMatchObject({ records: 15, keys: 15 });
  });

  test("running again changes nothing", async () => {
    const before = await partitions();
    expect(await dropExpiredUsagePartitions(testApp(db, { now: CLOCK }))).toEqual({
      firstKept: "2029-02-01",
      dropped: [],
      postponed: false,
      keysDeleted: 0,
    });
    expect(await partitions()).toEqual(before);
  });
});

describe.runIf(busyUrl)("retention while other transactions hold the usage tables", () => {
  const LATER = new Date("2031-06-01T00:00:00Z");

  test("a reader or a writer of the tables postpones the drop (nothing dropped, no key deleted) until it is done", async () => {
    const target = await openDatabase({ kind: "postgres", url: busyUrl! });
    const other = new pg.Client({ connectionString: busyUrl! });
    await other.connect();
    try {
      await seed(target, "ws_busy");
      const before = await partitions(target);
      const tries = { months: 13, lockAttempts: 2, lockPauseMs: 10 };

      // A long export's transaction reading the rollups.
      await other.query("begin");
      await other.query("select count(*) from usage_daily");
      expect(await applyUsageRetention(target, { now: LATER, ...tries })).toEqual({
        firstKept: "2030-05-01",
        dropped: [],
        postponed: true,
        keysDeleted: 0,
      });
      await other.query("commit");

      // An ingestion's transaction holding its months (as store-usage.ts takes them).
      await other.query("begin");
      await other.query("select usage_partitions_ensure('{2028-01-01}')");
      expect(await applyUsageRetention(target, { now: LATER, ...tries })).toMatchObject({ postponed: true, dropped: [] });
      expect(await partitions(target)).toEqual(before);
      expect(await counts(target, "ws_busy")).toMatchObject({ records: 28, keys: 28 });
      await other.query("commit");

      const done = await applyUsageRetention(target, { now: LATER, ...tries });
      expect(done).toMatchObject({ firstKept: "2030-05-01", postponed: false, keysDeleted: 28 });
      expect(done.dropped).toEqual(byMonthThenTable(before.filter((p) => p.month < "2030-05-01")));
    } finally {
      await other.end();
      await target.close();
    }
  });

  test("a stop signal ends the wait for the tables at once", async () => {
    const target = await openDatabase({ kind: "postgres", url: busyUrl! });
    const other = new pg.Client({ connectionString: busyUrl! });
    await other.connect();
    try {
      await target.prisma.workspace.create({ data: { id: "ws_stop", name: "Stop" } });
      await ingestRecords(target, "ws_stop", [message("old", "2029-01-15T00:00:00Z")]);
      await other.query("begin");
      await other.query("select count(*) from usage_records");
      const stop = new AbortController();
      const started = Date.now();
      const run = applyUsageRetention(target, { now: LATER, months: 13, lockAttempts: 1_000, lockPauseMs: 60_000, signal: stop.signal });
      setTimeout(() => stop.abort(), 300);
      expect(await run).toMatchObject({ postponed: true, dropped: [], keysDeleted: 0 });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await other.query("rollback");
      await other.end();
      await target.close();
    }
  });
});
