/**
 * `npm run bench:data -- [--users 20000] [--records 10000000] [--months 12] [--seed 1]
 *   [--workspace bench] [--rss-sizes 100000,300000,1000000 | --no-rss] [--no-main]`
 *
 * Loads the benchmark dataset straight into PostgreSQL (DATABASE_URL, default
 * postgresql://postgres@127.0.0.1:5432/usage_bench, created if missing):
 *   1. applies the project's migrations with its own runner (src/db/migrate.ts);
 *   2. deletes the benchmark workspaces' old data;
 *   3. the main workspace: a BYOK workspace in America/New_York with users,
 *      agents, projects, API keys and deployments (directory_versions, attrs
 *      keyed as ingestion writes them) and 12 months of usage records ending
 *      yesterday, streamed with COPY … FROM STDIN (never all in memory);
 *   4. the RSS workspaces: 100k / 300k / 1M members and a few records last
 *      month, for the users export's peak-memory case;
 *   5. rebuilds the daily rollups (src/usage/rollups/rebuild-rollups.ts) and
 *      runs VACUUM ANALYZE, so both our queries and the raw-SQL baselines start
 *      from a settled table.
 * Progress (rows/s, ETA) goes to standard error.
 */
import { Command, InvalidArgumentError } from "commander";
import { DateTime } from "luxon";
import pg from "pg";
import { openDatabase, type Database } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { ensureUsagePartitions } from "../src/usage/partitions/ensure-partitions.ts";
import { monthOf, monthsFrom } from "../src/usage/partitions/months.ts";
import { MONTHLY_TABLES } from "../src/usage/rollups/monthly-rollups.ts";
import { Random } from "../src/demo/random.ts";
import {
  buildDirectory,
  copyLine,
  directoryVersions,
  generateUsage,
  makeUser,
  MODELS,
  USAGE_COPY_COLUMNS,
  usageWindow,
  userVersions,
  type DirectoryVersionRow,
  type UsageRow,
  type Window,
} from "./lib/dataset.ts";
import { copyFrom, CopyIn, copyText, databaseUrl, dropDatabase, ensureDatabase, quoteIdent, redactUrl } from "./lib/db.ts";
import { fmtDuration, fmtInt, messageOf, Progress, timed } from "./lib/progress.ts";
import { BENCH_TIMEZONE, DEFAULT_RSS_SIZES, insertWorkspace, rssWorkspaceId } from "./lib/workspaces.ts";

const positiveInt = (value: string) => {
  const n = Number(value.replace(/_/g, ""));
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a non-negative integer");
  return n;
};
const sizeList = (value: string) => value.split(",").filter(Boolean).map(positiveInt);

const program = new Command()
  .name("bench:data")
  .description("Load the benchmark dataset into PostgreSQL (DATABASE_URL)")
  .option("--users <n>", "members of the main workspace", positiveInt, 20_000)
  .option("--records <n>", "usage records of the main workspace", positiveInt, 10_000_000)
  .option("--months <n>", "months of usage, ending yesterday", positiveInt, 12)
  .option("--seed <n>", "random seed (same seed and day → same data)", positiveInt, 1)
  .option("--workspace <id>", "id of the main workspace (RSS workspaces are <id>_rss_<size>)", "bench")
  .option("--rss-sizes <list>", "members of each RSS workspace", sizeList, DEFAULT_RSS_SIZES)
  .option("--no-rss", "skip the RSS workspaces")
  .option("--no-main", "skip the main workspace (only (re)load the RSS workspaces)")
  .option("--no-vacuum", "skip VACUUM ANALYZE at the end (ANALYZE still runs)")
  .option("--streams <n>", "parallel COPY connections for usage records", positiveInt, 2)
  .option(
    "--rollups <how>",
    "rebuild: load with the rollup trigger off, then usage_rollups_rebuild once; trigger: keep the trigger on (one COPY per day)",
    "rebuild",
  )
  .option(
    "--no-bulk",
    "never drop and rebuild the usage_records indexes (the bulk path is taken only when the table holds nothing but benchmark data)",
  )
  .option("--recreate-db", "drop and create the database first (e.g. after a migration was edited in place)")
  .parse();

interface Options {
  users: number;
  records: number;
  months: number;
  seed: number;
  workspace: string;
  rssSizes: number[];
  rss: boolean;
  main: boolean;
  vacuum: boolean;
  recreateDb: boolean;
  streams: number;
  rollups: "rebuild" | "trigger";
  bulk: boolean;
}

const USAGE_TABLES = ["usage_records", "usage_daily", "usage_daily_models", "usage_daily_conversations", ...MONTHLY_TABLES] as const;
// usage_record_keys: a record id once per workspace (it outlives truncated records, so it is cleaned up as well).
const ALL_TABLES = [...USAGE_TABLES, "usage_record_keys", "directory_versions"] as const;

async function main() {
  const opts = program.opts<Options>();
  if (!/^[A-Za-z0-9_-]+$/.test(opts.workspace)) throw new Error("--workspace must match [A-Za-z0-9_-]+");
  const url = databaseUrl();
  const t0 = performance.now();
  log(`Database: ${redactUrl(url)}`);
  if (opts.recreateDb) {
    await dropDatabase(url);
    log("dropped the database (--recreate-db)");
  }
  if (await ensureDatabase(url)) log("created the database");

  if (opts.rollups !== "rebuild" && opts.rollups !== "trigger") throw new Error('--rollups must be "rebuild" or "trigger"');
  const db = await openDatabase({ kind: "postgres", url });
  const clients = await Promise.all(
    Array.from({ length: Math.max(1, opts.streams) }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const client = clients[0]!;
  const timings: Record<string, number> = {};
  try {
    const applied = await migrate(db);
    log(applied.length ? `applied migrations: ${applied.join(", ")}` : "migrations: up to date");
    let triggersOff = false;
    for (const c of clients) {
      // A bulk load: nothing is lost that a re-run would not redo.
      await c.query("set synchronous_commit = off");
      await c.query("set maintenance_work_mem = '1GB'");
      // --rollups rebuild: the rollup trigger (prisma/migrations) is skipped for these sessions only
      // (other sessions keep it), and the rollups are rebuilt once at the end (usage_rollups_rebuild).
      if (opts.rollups === "rebuild")
        triggersOff = await c
          .query("set session_replication_role = replica")
          .then(() => true)
          .catch((e: unknown) => {
            log(`the rollup trigger stays on for the load (${messageOf(e)})`);
            return false;
          });
    }
    log(
      triggersOff
        ? `loading with triggers off (session_replication_role = replica) on ${clients.length} connection(s); rollups rebuilt at the end`
        : `loading with the rollup trigger on (one COPY per day) on ${clients.length} connection(s)`,
    );

    const end = DateTime.now().setZone(BENCH_TIMEZONE).startOf("day");
    const win = usageWindow({ months: opts.months, end, timezone: BENCH_TIMEZONE });
    log(
      `usage window: ${win.start.toISODate()} … ${win.end.minus({ days: 1 }).toISODate()} (${BENCH_TIMEZONE}), ${opts.months} months ending yesterday`,
    );

    const rssIds = opts.rss ? opts.rssSizes.map((n) => rssWorkspaceId(opts.workspace, n)) : [];
    const ours = [...(opts.main ? [opts.workspace] : []), ...rssIds];
    // Leftovers of earlier runs: RSS workspaces of other sizes (unless --no-rss keeps them) and
    // ingestion scratch workspaces of an interrupted `npm run bench`.
    const stale = (
      await client.query<{ id: string }>("select id from workspaces where id like $1 escape '!' or id like $2 escape '!'", [
        `${likeEscape(opts.workspace)}!_rss!_%`,
        `${likeEscape(opts.workspace)}!_ingest!_%`,
      ])
    ).rows
      .map((r) => r.id)
      .filter((id) => !ours.includes(id) && (opts.rss || !id.includes("_rss_")));
    if (stale.length) log(`also removing leftover workspaces: ${stale.join(", ")}`);
    // Bulk path: when usage_records holds nothing but the workspaces being reloaded, one transaction
    // truncates it, drops its indexes, COPYs and builds the indexes once at the end (about twice as
    // fast as maintaining them row by row; FREEZE is refused on a partitioned table). Any failure
    // rolls all of it back, indexes included.
    // The window's month partitions (ingestion creates its own; a COPY into usage_records needs them first).
    await ensureUsagePartitions(db, monthsFrom(monthOf(win.start.toJSDate()), monthsBetween(win.start, win.end)));
    const bulkAllowed = opts.bulk && triggersOff;
    const cleaned = await timed("removing the old benchmark data", () =>
      removeWorkspaces(client, [...ours, ...stale], bulkAllowed ? ["usage_records"] : []),
    );
    timings.clean = cleaned.seconds;
    const bulk = bulkAllowed && cleaned.value.includes("usage_records");
    let recreate: string[] = [];
    if (bulk) {
      await client.query("begin");
      await client.query("truncate usage_records");
      recreate = await dropIndexes(client, "usage_records");
      log(`bulk load: usage_records truncated, ${recreate.length} indexes dropped until the end of the load (one transaction, one stream)`);
    } else if (opts.bulk) {
      log("bulk load not possible (usage_records holds other workspaces, or the trigger is on): COPY into the indexed table");
    }
    const loaders = bulk ? [client] : clients;
    const copyOptions = null;

    if (opts.main) {
      const rng = new Random(opts.seed);
      const dir = buildDirectory(rng, { users: opts.users }, win);
      await insertWorkspace(
        client,
        opts.workspace,
        `Benchmark: ${fmtInt(opts.users)} users, ${fmtInt(opts.records)} records (seed ${opts.seed})`,
      );
      const versions = [...directoryVersions(dir, win)];
      timings.directory = (
        await timed(`directory: ${fmtInt(versions.length)} versions`, () => copyDirectory(client, opts.workspace, versions))
      ).seconds;

      const progress = new Progress("usage_records", opts.records);
      const loadStart = performance.now();
      await loadUsage(loaders, copyOptions, opts.workspace, opts.records, (emit, onDay) =>
        generateUsage(
          rng,
          dir,
          win,
          {
            records: opts.records,
            onDay: async (_day, produced) => {
              await onDay();
              progress.update(produced);
            },
          },
          emit,
        ),
      );
      progress.done(opts.records);
      timings.usage = (performance.now() - loadStart) / 1000;
      log(`usage_records: ${fmtInt(opts.records)} rows in ${fmtDuration(timings.usage)} (${fmtInt(opts.records / timings.usage)} rows/s)`);
    }

    for (const [i, size] of (opts.rss ? opts.rssSizes : []).entries()) {
      const id = rssIds[i]!;
      timings[`rss_${id}`] = (
        await timed(`RSS workspace ${id}: ${fmtInt(size)} members`, () =>
          loadRssWorkspace(client, id, size, win, opts.seed + i + 1, copyOptions),
        )
      ).seconds;
    }
    if (bulk) {
      timings.indexes = (
        await timed("building the usage_records indexes", async () => {
          for (const statement of recreate) {
            const t = performance.now();
            await client.query(statement);
            log(`  ${statement.slice(0, 110)}: ${fmtDuration((performance.now() - t) / 1000)}`);
          }
          await client.query("commit");
        })
      ).seconds;
    }

    if (triggersOff) timings.rollups = (await timed("rebuilding the daily rollups", () => rebuildAll(db, ours))).seconds;
    timings.analyze = (
      await timed(opts.vacuum ? "VACUUM ANALYZE" : "ANALYZE", async () => {
        for (const table of [...ALL_TABLES, "workspaces"]) await client.query(`${opts.vacuum ? "vacuum (analyze)" : "analyze"} ${table}`);
      })
    ).seconds;

    const total = (performance.now() - t0) / 1000;
    const sizes = await client.query<{ table: string; size: string }>(
      `select relname as table, pg_size_pretty(coalesce((select sum(pg_total_relation_size(relid)) from pg_partition_tree(oid)), pg_total_relation_size(oid))) as size
       from pg_class where relname = any($1) and relkind in ('r', 'p') order by relname`,
      [ALL_TABLES],
    );
    log(
      `\nDone in ${fmtDuration(total)} (${Object.entries(timings)
        .map(([k, v]) => `${k} ${fmtDuration(v)}`)
        .join(", ")})`,
    );
    log(`table sizes: ${sizes.rows.map((r) => `${r.table} ${r.size}`).join(", ")}`);
    console.log(
      JSON.stringify({
        workspace: opts.main ? opts.workspace : null,
        users: opts.users,
        records: opts.records,
        months: opts.months,
        seed: opts.seed,
        rssWorkspaces: rssIds,
        window: { from: win.start.toISODate(), to: win.end.minus({ days: 1 }).toISODate(), timezone: BENCH_TIMEZONE },
        seconds: Math.round(total * 10) / 10,
        timings,
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
    await db.close();
  }
}

const log = (line: string) => process.stderr.write(`${line}\n`);
/** UTC months from `start`'s through `end`'s (the window's last instant is just before `end`). */
const monthsBetween = (start: DateTime, end: DateTime) =>
  Math.round(end.toUTC().startOf("month").diff(start.toUTC().startOf("month"), "months").months) + 1;
const likeEscape = (s: string) => s.replace(/[!%_]/g, "!$&");

/**
 * Streams the generator's rows into usage_records, one COPY per day, the days
 * dealt round-robin over the connections: while one connection commits a day
 * (and, with the trigger on, aggregates it), the next day flows into another.
 */
async function loadUsage(
  clients: pg.Client[],
  copyOptions: string | null,
  ws: string,
  records: number,
  generate: (emit: (row: UsageRow) => Promise<void> | undefined, endOfDay: () => Promise<void>) => Promise<number>,
): Promise<void> {
  const finishing: (Promise<void> | null)[] = clients.map(() => null);
  let index = 0;
  const open = async () => {
    await finishing[index];
    return new CopyIn(clients[index]!, "usage_records", USAGE_COPY_COLUMNS, copyOptions);
  };
  let copy = await open();
  let buf = "";
  let rows = 0;
  try {
    const produced = await generate(
      (row) => {
        buf += copyLine(ws, row);
        if (++rows === 8192) {
          rows = 0;
          const chunk = buf;
          buf = "";
          return copy.write(chunk);
        }
        return undefined;
      },
      async () => {
        if (buf) await copy.write(buf);
        buf = "";
        rows = 0;
        const done = copy.finish();
        done.catch(() => undefined); // awaited before this connection's next COPY
        finishing[index] = done;
        index = (index + 1) % clients.length;
        copy = await open();
      },
    );
    if (produced !== records) throw new Error(`generated ${produced} records, expected ${records}`);
    if (buf) await copy.write(buf);
    await copy.finish();
    await Promise.all(finishing);
  } catch (error) {
    await copy.abort(error);
    throw error;
  }
}

/** The workspace ids present in a table whose primary key starts with workspace_id (a skip scan: fast on any size). */
async function workspacesIn(client: pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ workspace_id: string }>(`
    with recursive t as (
      (select workspace_id from ${table} order by workspace_id limit 1)
      union all
      select (select workspace_id from ${table} where workspace_id > t.workspace_id order by workspace_id limit 1)
      from t where t.workspace_id is not null)
    select workspace_id from t where workspace_id is not null`);
  return rows.map((r) => r.workspace_id);
}

/**
 * Deletes the benchmark workspaces and everything stored for them. A table that
 * holds nothing but benchmark workspaces is truncated (deleting ten million rows
 * would take minutes and leave the table bloated); otherwise only their rows go.
 */
async function removeWorkspaces(client: pg.Client, ids: string[], defer: string[]): Promise<string[]> {
  const exclusive: string[] = [];
  if (ids.length === 0) return exclusive;
  for (const table of ALL_TABLES) {
    const present = await workspacesIn(client, table);
    const others = present.filter((w) => !ids.includes(w));
    if (others.length === 0) exclusive.push(table);
    if (present.length === 0) continue;
    if (others.length === 0 && defer.includes(table)) {
      log(`  ${table}: only benchmark data, truncated in the load's transaction`);
    } else if (others.length === 0) {
      await client.query(`truncate ${table}`);
      log(`  ${table}: truncated (only benchmark data)`);
    } else {
      const r = await client.query(`delete from ${table} where workspace_id = any($1)`, [ids]);
      log(`  ${table}: deleted ${fmtInt(r.rowCount ?? 0)} rows (kept ${others.length} other workspaces)`);
    }
  }
  // Access keys, exports, report subscriptions and sessions go with the workspace (ON DELETE CASCADE).
  await client.query("delete from workspaces where id = any($1)", [ids]);
  return exclusive;
}

/**
 * Drops a table's primary key, unique constraints and indexes; returns the
 * statements that recreate them exactly as they were (read from the catalog).
 */
async function dropIndexes(client: pg.Client, table: string): Promise<string[]> {
  const constraints = await client.query<{ name: string; def: string }>(
    `select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
     where conrelid = $1::regclass and contype in ('p', 'u') order by conname`,
    [table],
  );
  const indexes = await client.query<{ name: string; def: string }>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def from pg_index i
     where i.indrelid = $1::regclass and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
     order by 1`,
    [table],
  );
  const recreate: string[] = [];
  for (const c of constraints.rows) {
    await client.query(`alter table ${table} drop constraint ${quoteIdent(c.name)}`);
    recreate.push(`alter table ${table} add constraint ${quoteIdent(c.name)} ${c.def}`);
  }
  for (const i of indexes.rows) {
    await client.query(`drop index ${i.name}`);
    recreate.push(i.def);
  }
  return recreate;
}

const DIRECTORY_COLUMNS = ["workspace_id", "kind", "entity_id", "effective_at", "attrs"];

async function copyDirectory(client: pg.Client, ws: string, versions: Iterable<DirectoryVersionRow>) {
  await copyFrom(client, "directory_versions", DIRECTORY_COLUMNS, null, async (write) => {
    let buf = "";
    for (const v of versions) {
      buf += `${ws}\t${v.kind}\t${copyText(v.entityId)}\t${v.effectiveAt}\t${copyText(JSON.stringify(v.attrs))}\n`;
      if (buf.length > 1 << 20) {
        await write(buf);
        buf = "";
      }
    }
    if (buf) await write(buf);
  });
  // The versions' in-force ranges: kept by a trigger, which a load with triggers off skips.
  await client.query(
    `select directory_versions_set_ranges(array_agg(workspace_id), array_agg(kind), array_agg(entity_id))
    from (select distinct workspace_id, kind, entity_id from directory_versions where workspace_id = $1) t`,
    [ws],
  );
}

/**
 * A workspace with `size` members (one directory version each, all members for
 * the whole window) and 2,000 chat messages last month from its first 1,000
 * members: the users export of last month has `size` rows.
 */
async function loadRssWorkspace(client: pg.Client, id: string, size: number, win: Window, seed: number, copyOptions: string | null) {
  const rng = new Random(seed);
  await insertWorkspace(client, id, `Benchmark RSS: ${fmtInt(size)} members`);
  const progress = new Progress(`  ${id} directory`, size);
  function* versions(): Generator<DirectoryVersionRow> {
    for (let i = 0; i < size; i++) {
      const u = makeUser(rng, i, win);
      // Members throughout: joined before the window, never removed, no history.
      u.joinedMs = Math.min(u.joinedMs, win.startMs - 86_400_000);
      u.removedMs = null;
      u.changeMs = null;
      yield* userVersions(u);
      if (i % 50_000 === 0) progress.update(i);
    }
  }
  await copyDirectory(client, id, versions());
  progress.done(size);

  // The calendar month before today's, as the RSS case exports it (on the 1st too).
  const lastMonthStart = win.end.startOf("month").minus({ months: 1 });
  const lastMonthMs = lastMonthStart.plus({ months: 1 }).toMillis() - lastMonthStart.toMillis();
  const model = MODELS[0]!;
  await copyFrom(client, "usage_records", USAGE_COPY_COLUMNS, copyOptions, async (write) => {
    let buf = "";
    for (let i = 0; i < 2_000; i++) {
      const at = new Date(lastMonthStart.toMillis() + Math.floor(rng.next() * lastMonthMs)).toISOString();
      const user = `u_${String((i % Math.min(size, 1_000)) + 1).padStart(7, "0")}`;
      buf += `${id}\tmessage\tm_${String(i + 1).padStart(9, "0")}\t${at}\t${user}\t\\N\tchat\t\\N\t\\N\tcv_${i}\t\\N\t${model.copyText}\tWEB\t\\N\t1200\t300\t0\t0\t0.006\t0\n`;
    }
    await write(buf);
  });
}

/** The project's rollup rebuild (src/usage/rollups/rebuild-rollups.ts) for each loaded workspace. */
async function rebuildAll(db: Database, ids: string[]) {
  let rebuild: ((db: Database, workspaceId: string) => Promise<void>) | null = null;
  try {
    ({ rebuildRollups: rebuild } = await import("../src/usage/rollups/rebuild-rollups.ts"));
  } catch (error) {
    log(`  rebuildRollups is not available (${messageOf(error)}); rollups NOT built`);
    return;
  }
  for (const id of ids) {
    const t = performance.now();
    await rebuild!(db, id);
    log(`  ${id}: ${fmtDuration((performance.now() - t) / 1000)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
