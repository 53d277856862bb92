import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { projectPath } from "../../../src/config/project-root.ts";
import { openDatabase, type Database } from "../../../src/db/client.ts";
import { migrate } from "../../../src/db/migrate.ts";
import { createExport } from "../../../src/exports/create-export.ts";
import { Prisma } from "../../../src/generated/prisma/client.ts";
import { ingestRecords } from "../../../src/ingest/ingest.ts";
import { resolvePeriod } from "../../../src/periods/period.ts";
import { monthsFrom } from "../../../src/usage/partitions/months.ts";
import { DATA_TYPES } from "../../../src/usage/shared/data-types.ts";
import { testApp } from "../../helpers/app.ts";
import { adminQuery, newTestDatabaseName, withDatabase } from "../../helpers/database.ts";

// The migration to monthly partitions on a database holding data of the unpartitioned
// schema: every migration before it applied, usage stored (its rollups by the old
// trigger), then the service's migrate() as at the next start.

const MIGRATION = "20261201111000_usage_monthly_partitions";
// The export queries of this build read the directory snapshot, so it is applied
// with the earlier migrations: it touches no usage table, so the order is immaterial here.
const SNAPSHOT = "20261202170000_directory_version_ranges";
const MIGRATIONS_DIR = projectPath("prisma", "migrations");
const WS = "ws_old";
const CLOCK = new Date("2027-03-20T12:00:00Z");
const TABLES = ["usage_records", "usage_daily", "usage_daily_models", "usage_daily_conversations"];

/** An empty database: in-memory PGlite, or a new PostgreSQL database (not the migrated template). */
async function emptyDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDatabase({ kind: "pglite", dir: null });
    afterAll(() => db.close());
    return db;
  }
  const name = newTestDatabaseName();
  await adminQuery(url, `create database ${name}`);
  afterAll(() => adminQuery(url, `drop database if exists ${name} with (force)`));
  const db = await openDatabase({ kind: "postgres", url: withDatabase(url, name) });
  afterAll(() => db.close());
  return db;
}

/** Applies the migrations before this one (and SNAPSHOT) as migrate() would, recording them as applied. */
async function migrateUpToPrevious(db: Database): Promise<string[]> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  const earlier = entries
    .filter((e) => e.isDirectory() && (e.name < MIGRATION || e.name === SNAPSHOT))
    .map((e) => e.name)
    .sort();
  await db.withRawSession(async (s) => {
    await s.exec("create table _usage_exports_migrations (name text primary key, applied_at timestamptz not null default now())");
    for (const name of earlier) {
      await s.exec("begin");
      await s.exec(await readFile(join(MIGRATIONS_DIR, name, "migration.sql"), "utf8"));
      await s.query("insert into _usage_exports_migrations (name) values ($1)", [name]);
      await s.exec("commit");
    }
  });
  return earlier;
}

/**
 * 3,000 records of the old schema from March 2026 to February 2027: messages on every
 * surface (agent conversations included) and API requests, several models and
 * deployments, each written as an INSERT into the unpartitioned usage_records.
 */
async function storeOldUsage(db: Database): Promise<void> {
  await db.withRawSession((s) =>
    s.exec(`
      insert into workspaces (id, name, byok) values ('${WS}', 'Before partitions', true);
      insert into directory_versions (workspace_id, kind, entity_id, effective_at, attrs)
      select '${WS}', 'user', 'u' || i, '2026-01-01T00:00:00Z', jsonb_build_object('name', 'User ' || i, 'email', 'u' || i || '@old.test')
      from generate_series(0, 9) i;
      insert into directory_versions (workspace_id, kind, entity_id, effective_at, attrs) values
        ('${WS}', 'agent', 'a0', '2026-01-01T00:00:00Z', '{"name": "Agent 0"}'),
        ('${WS}', 'project', 'p0', '2026-01-01T00:00:00Z', '{"name": "Project 0"}'),
        ('${WS}', 'api_key', 'k0', '2026-01-01T00:00:00Z', '{"name": "Key 0"}'),
        ('${WS}', 'deployment', 'd0', '2026-01-01T00:00:00Z', '{"name": "Deployment 0", "model": "gpt-4o", "provider": "openai"}');
      insert into usage_records (workspace_id, kind, id, occurred_at, user_id, api_key_id, surface, agent_id, project_id, conversation_id,
        model, model_raw, provider, source, deployment_id, prompt_tokens, completion_tokens, cached_prompt_tokens, cost_usd, payg_cost_usd)
      select '${WS}', case when i % 5 = 0 then 'api_request' else 'message' end::usage_kind, 'r' || i,
        timestamptz '2026-03-01T00:00:00Z' + i * interval '2 hours 53 minutes',
        case when i % 5 = 0 then null else 'u' || (i % 10) end,
        case when i % 5 = 0 then 'k0' end,
        case when i % 5 = 0 then null else (array['chat', 'agent', 'project'])[1 + i % 3] end::surface,
        case when i % 5 <> 0 and i % 3 = 1 then 'a0' end,
        case when i % 5 <> 0 and i % 3 = 2 then 'p0' end,
        case when i % 5 <> 0 and i % 3 = 1 then 'c' || (i % 40) end,
        (array['gpt-4o', 'claude-3-5-sonnet', 'gpt-4o-mini'])[1 + i % 3], 'raw-' || i % 3, 'p' || i % 2,
        (array['WEB', 'API', 'MOBILE'])[1 + i % 3], case when i % 7 = 0 then 'd0' end,
        i % 500, i % 90, i % 13, (i % 17) * 0.000123, (i % 11) * 0.01
      from generate_series(0, 2999) i;`),
  );
}

/** Each usage table's rows as JSON text, in key order: equal text, equal rows. */
async function snapshot(db: Database): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const [row] = await db.read<{ rows: string }>(
      Prisma.sql`select coalesce(jsonb_agg(to_jsonb(t) order by t::text), '[]')::text as rows from ${Prisma.raw(table)} t`,
    );
    out[table] = row!.rows;
  }
  return out;
}

/** Every data type's CSV for April 2026 to February 2027 in Berlin (rollup days and raw edges both). */
async function exports(db: Database): Promise<Record<string, string>> {
  const app = testApp(db, { now: CLOCK });
  const period = resolvePeriod({ date: "2026-04-01", timezone: "Europe/Berlin" }, { date: "2027-02-28", timezone: "Europe/Berlin" }, CLOCK);
  const out: Record<string, string> = {};
  for (const dataType of DATA_TYPES) {
    const result = await createExport(app, { workspaceId: WS, dataType, period });
    out[dataType] = await readFile(result.absolutePath, "utf8");
  }
  return out;
}

const db = await emptyDatabase();

test("the migration moves usage of the unpartitioned schema into month partitions: same rows, same rollups, same exports", async () => {
  const earlier = await migrateUpToPrevious(db);
  expect(earlier.length).toBeGreaterThanOrEqual(5);
  await storeOldUsage(db);
  const rowsBefore = await snapshot(db);
  expect(JSON.parse(rowsBefore.usage_records!)).toHaveLength(3000);
  // This build's users and agents queries name the monthly rollups of later migrations.
  // It reads none of them here (the workspace's zone is UTC, the period's Berlin's),
  // so empty stand-ins let the old schema's exports be taken, then go.
  const money = "cost_usd numeric, payg_cost_usd numeric";
  const tokens = "prompt_tokens int8, completion_tokens int8, cached_prompt_tokens int8, cache_creation_tokens int8";
  await db.withRawSession((s) =>
    s.exec(`
      create table usage_monthly_user_totals (workspace_id text, month date, user_id text, surface text, records int8,
        action_records int8, ${tokens}, ${money});
      create table usage_monthly_user_keys (workspace_id text, dim text, month date, user_id text, key text, records int8);
      create table usage_monthly_agent_users (workspace_id text, month date, agent_id text, model text, user_id text,
        records int8, with_conversation bool, ${tokens}, min_prompt_tokens int, max_prompt_tokens int,
        min_completion_tokens int, max_completion_tokens int)`),
  );
  const exportsBefore = await exports(db);
  await db.withRawSession((s) => s.exec("drop table usage_monthly_user_totals, usage_monthly_user_keys, usage_monthly_agent_users"));

  expect(await migrate(db)).toContain(MIGRATION);

  expect(await snapshot(db)).toEqual(rowsBefore);
  expect(await exports(db)).toEqual(exportsBefore);
  const [keys] = await db.read<{ keys: number; unmatched: number }>(Prisma.sql`
    select (select count(*)::int from usage_record_keys) as keys,
      (select count(*)::int from usage_records r where not exists (select 1 from usage_record_keys k
        where (k.workspace_id, k.kind, k.id, k.occurred_at) = (r.workspace_id, r.kind, r.id, r.occurred_at))) as unmatched`);
  expect(keys).toEqual({ keys: 3000, unmatched: 0 });

  // Every month of the data has its four partitions, and each holds only its month.
  const partitions = await db.read<{ name: string }>(Prisma.sql`
    select c.relname::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'usage_records'::regclass`);
  expect(partitions.map((p) => p.name)).toEqual(
    expect.arrayContaining(monthsFrom("2026-03-01", 12).map((m) => `usage_records_p${m.slice(0, 4)}${m.slice(5, 7)}`)),
  );
  const [misplaced] = await db.read<{ n: number }>(Prisma.sql`
    select count(*)::int as n from usage_records_p202607 where occurred_at < '2026-07-01T00:00:00Z' or occurred_at >= '2026-08-01T00:00:00Z'`);
  expect(misplaced!.n).toBe(0);
  const [july] = await db.read<{ n: number }>(Prisma.sql`select count(*)::int as n from usage_records_p202607`);
  expect(july!.n).toBe(258);
  const [parents] = await db.read<{ n: number }>(Prisma.sql`
    select count(*)::int as n from pg_class where relname = any(array[${Prisma.join(TABLES)}]) and relkind = 'p'`);
  expect(parents!.n).toBe(4);
});

test("after the migration, ingestion counts an old id sent again with another occurredAt as a duplicate and rolls up new ones", async () => {
  const message = (id: string, occurredAt: string) => ({
    type: "message",
    id,
    occurredAt,
    userId: "u1",
    surface: "chat",
    model: "gpt-4o",
    provider: "openai",
    source: "WEB",
  });
  expect(await ingestRecords(db, WS, [message("r1", "2027-01-01T00:00:00Z"), message("new-1", "2027-01-01T00:00:00Z")])).toEqual({
    accepted: 1,
    duplicates: 1,
  });
  const [sums] = await db.read<{ records: number; rolled: number }>(Prisma.sql`
    select (select count(*)::int from usage_records) as records, (select sum(records)::int from usage_daily) as rolled`);
  expect(sums).toEqual({ records: 3001, rolled: 3001 });
});
