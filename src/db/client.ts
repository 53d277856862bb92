import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient, type Prisma } from "../generated/prisma/client.ts";
import { embeddedAnalyze } from "./embedded-analyze.ts";
import { parallelCursorSource, type Statement } from "./parallel-cursor.ts";
import { isDatabaseUnavailable } from "./unavailable.ts";

type AdapterFactory = SqlDriverAdapterFactory;

/**
 * pglite-prisma-adapter 0.6 declares its types against driver-adapter-utils 6.10;
 * the runtime contract is the same in Prisma 6.19 (the suite runs on it), only
 * the nominal types differ.
 */
// biome-ignore lint/nursery/noUnsafeTypeAssertion: the adapter's declared types name an older driver-adapter-utils; nothing checked can bridge nominal types.
const pgliteAdapter = (pglite: PGlite) => new PrismaPGlite(pglite) as unknown as AdapterFactory;

/** A raw connection for multi-statement SQL (migrations, test set-up) and bulk loads. */
export interface RawSession {
  exec(sql: string): Promise<void>;
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** `COPY table (columns) FROM` the given COPY text (src/db/copy-text.ts); returns the rows loaded. */
  copyFrom(table: string, columns: readonly string[], text: Buffer<ArrayBuffer>): Promise<number>;
  /**
   * What a cursor over `query` should read instead, where the database can do
   * better than a cursor's plan (PostgreSQL: src/db/parallel-cursor.ts). Absent: the query itself.
   */
  cursorSource?(query: Statement): Promise<Statement>;
}

interface ReadOptions {
  /**
   * Names a statement run on every request (authentication): PostgreSQL parses
   * and plans it once per connection instead of each time. The name must stand
   * for one SQL text only. PGlite, in process, has nothing to save and ignores it.
   */
  statement?: string;
}

/**
 * Reads that never write: on the primary, or on a streaming replica, which may
 * lag the primary by the replication delay.
 */
export interface Reads {
  /**
   * A read on the driver itself, bypassing Prisma: Prisma's decoding of raw
   * results took 3 of 4 seconds for a 20,000-row users export. Cast columns in
   * SQL to types both drivers read alike (int4, float8, text, jsonb).
   */
  read<Row>(query: Prisma.Sql, opts?: ReadOptions): Promise<Row[]>;
  /**
   * Runs `fn` in one read-only REPEATABLE READ transaction: all its statements
   * see one snapshot (a cursor and its row count; a data version and the rows it versions).
   */
  inReadTransaction<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
}

export interface Database extends Reads {
  readonly prisma: PrismaClient;
  readonly kind: "pglite" | "postgres";
  /**
   * Usage reads (GraphQL usage, exports, report summaries) go here: the replica
   * of DATABASE_READ_URL, else the primary. The database's own `read` and
   * `inReadTransaction` always use the primary, for whatever must see its own
   * writes at once: API keys and sessions, workspace settings, report runs, the
   * shared signing secret, migrations, the metrics' report-run gauge.
   */
  readonly replica: Reads & { readonly isReplica: boolean };
  /** Runs `fn` on one raw connection, outside Prisma. */
  withRawSession<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  /** Runs `fn` in one transaction on one raw connection (rolled back if it throws). */
  inRawTransaction<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  /**
   * Told after a transaction wrote `rows` rows (ingestion). PostgreSQL's autovacuum
   * keeps the planner's statistics; embedded PGlite has no autovacuum, so it
   * analyzes itself here once enough rows changed (src/db/embedded-analyze.ts).
   */
  wrote(rows: number): Promise<void>;
  /** The connection pool's state (PostgreSQL only: PGlite is one in-process session). */
  poolStats?(): { total: number; idle: number; waiting: number };
  /** The PostgreSQL pool, for stores shared by every instance (rate limits); null on PGlite, which one process owns. */
  readonly sharedPool: pg.Pool | null;
  close(): Promise<void>;
}

/**
 * `readUrl`: a streaming replica of `url` for usage reads (DATABASE_READ_URL); PGlite has none.
 * `dump`: a PGlite data directory as `dumpDataDir` wrote it, to start from instead of an
 * empty cluster (tests open a migrated one in ~1 s instead of ~4 s of initdb and migrations).
 */
export type DatabaseTarget =
  | { kind: "postgres"; url: string; readUrl?: string | null }
  | { kind: "pglite"; dir: string | null; dump?: Blob };

/**
 * Opens PostgreSQL (several processes may share it) or embedded PGlite (one process).
 * `onConnectionError` hears of connections the server dropped (they never end the process).
 */
export async function openDatabase(target: DatabaseTarget, onConnectionError: (error: Error) => void = () => undefined): Promise<Database> {
  return target.kind === "postgres"
    ? openPostgres(target.url, target.readUrl ?? null, onConnectionError)
    : openPglite(target.dir, target.dump);
}

/**
 * PGlite's cluster keeps initdb's 128 MB of shared buffers, which it sets up on
 * every start (~0.3 s of each CLI command, server start and test file); the
 * pages beyond 32 MB are read from the operating system's file cache instead.
 */
const PGLITE_START = [...PGlite.defaultStartParams, "-c", "shared_buffers=32MB"];

async function openPglite(dir: string | null, dump: Blob | undefined): Promise<Database> {
  const pglite = new PGlite({ dataDir: dir ?? undefined, loadDataDir: dump, startParams: PGLITE_START });
  await pglite.waitReady;
  const prisma = new PrismaClient({ adapter: pgliteAdapter(pglite) });
  const session = pgliteSession(pglite);
  const analyze = embeddedAnalyze((sql) => session.exec(sql));
  const reads: Reads = {
    read: async <Row>(query: Prisma.Sql) => (await pglite.query<Row>(query.text, query.values)).rows,
    inReadTransaction: (fn) =>
      pglite.transaction(async (tx) => {
        await tx.exec(READ_TRANSACTION_MODE);
        return fn(pgliteSession(tx));
      }),
  };
  return {
    prisma,
    kind: "pglite",
    ...reads,
    replica: { ...reads, isReplica: false },
    sharedPool: null,
    wrote: analyze.wrote,
    withRawSession: (fn) => fn(session),
    // PGlite has one session: its transaction() holds it exclusively, and Prisma's queries wait.
    inRawTransaction: (fn) => pglite.transaction((tx) => fn(pgliteSession(tx))),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

/** The first statement of a read transaction (SET TRANSACTION: PGlite's transaction() issues BEGIN itself). */
const READ_TRANSACTION_MODE = "set transaction isolation level repeatable read, read only";

/** PGlite reads COPY data from a Blob it exposes as `/dev/blob`. */
function pgliteSession(db: Pick<Transaction, "exec" | "query">): RawSession {
  return {
    exec: async (sql) => {
      await db.exec(sql);
    },
    query: async <Row>(sql: string, params: unknown[] = []) => (await db.query<Row>(sql, params)).rows,
    copyFrom: async (table, columns, text) =>
      (await db.query(`copy ${table} (${columns.join(", ")}) from '/dev/blob'`, [], { blob: new Blob([text]) })).affectedRows ?? 0,
  };
}

/**
 * Settings of the service's own connections. The usage queries join CTEs whose
 * sizes the planner can't estimate, so it guesses them huge and JIT-compiles:
 * 3 of a month-long users export's 5 seconds went to compiling, none to running
 * (see BENCHMARKS.md). More work_mem keeps their sorts of a few MB off disk.
 */
const SESSION_SETTINGS = "-c jit=off -c work_mem=64MB";

/**
 * A backend that goes away (restart, failover, `pg_terminate_backend`) makes its
 * client emit `error`; with no listener that ends the process. pg-pool listens
 * only while a client is idle, so every client gets a listener of its own for
 * its whole life: the query in flight fails (the request answers 503), the pool
 * drops the broken client on release and opens a new one for the next request.
 */
function keepPoolAlive(pool: pg.Pool, onError: (error: Error) => void): pg.Pool {
  pool.on("error", onError);
  pool.on("connect", (client) => client.on("error", onError));
  return pool;
}

function openPool(driver: typeof pg, url: string, onConnectionError: (error: Error) => void): pg.Pool {
  return keepPoolAlive(new driver.Pool({ connectionString: url, max: 10, options: SESSION_SETTINGS }), onConnectionError);
}

function sessionOf(client: pg.PoolClient): RawSession {
  return {
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async <Row>(sql: string, params: unknown[] = []) => (await client.query<Row & pg.QueryResultRow>(sql, params)).rows,
    copyFrom: (table, columns, text) => copyIn(client, table, columns, text),
    cursorSource: (query) => parallelCursorSource(client, query),
  };
}

/** Runs `fn` between `begin` (with its transaction modes) and `commit` on one pooled connection; rolls back if it throws. */
async function inTransaction<T>(pool: pg.Pool, begin: string, fn: (session: RawSession) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(begin);
    const result = await fn(sessionOf(client));
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => (broken = true));
    broken ||= isDatabaseUnavailable(error);
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Reads on a pool. REPEATABLE READ is allowed on a hot standby (SERIALIZABLE is not). */
function poolReads(pool: pg.Pool): Reads {
  return {
    read: async <Row>(query: Prisma.Sql, opts?: ReadOptions) =>
      (await pool.query<Row & pg.QueryResultRow>({ name: opts?.statement, text: query.text, values: query.values })).rows,
    inReadTransaction: (fn) => inTransaction(pool, "begin isolation level repeatable read read only", fn),
  };
}

async function openPostgres(url: string, readUrl: string | null, onConnectionError: (error: Error) => void): Promise<Database> {
  // Loaded here, not at the top: an embedded process never needs the driver (~80 ms to load).
  const [{ default: driver }, { PrismaPg }] = await Promise.all([import("pg"), import("@prisma/adapter-pg")]);
  const pool = openPool(driver, url, onConnectionError);
  // A replica of its own pool: usage reads there never take connections from writes.
  const replicaPool = readUrl ? openPool(driver, readUrl, onConnectionError) : null;
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const reads = poolReads(pool);
  return {
    prisma,
    kind: "postgres",
    ...reads,
    replica: replicaPool ? { ...poolReads(replicaPool), isReplica: true } : { ...reads, isReplica: false },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    sharedPool: pool,
    // Autovacuum keeps the statistics.
    wrote: async () => undefined,
    async withRawSession(fn) {
      const client = await pool.connect();
      let failed: unknown;
      try {
        return await fn(sessionOf(client));
      } catch (error) {
        failed = error;
        throw error;
      } finally {
        // A connection that failed is not handed to the next caller.
        client.release(failed !== undefined && isDatabaseUnavailable(failed));
      }
    },
    inRawTransaction: (fn) => inTransaction(pool, "begin", fn),
    async close() {
      await prisma.$disconnect();
      await Promise.all([pool.end(), replicaPool?.end()]);
    },
  };
}

/** Streams COPY text into `COPY … FROM STDIN`; resolves with the rows loaded, rejects with the server's error. */
async function copyIn(client: pg.PoolClient, table: string, columns: readonly string[], text: Buffer<ArrayBuffer>): Promise<number> {
  const { default: copyStreams } = await import("pg-copy-streams");
  const stream = client.query(copyStreams.from(`copy ${table} (${columns.join(", ")}) from stdin`));
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.on("finish", resolve);
    stream.end(text);
  });
  return stream.rowCount;
}
