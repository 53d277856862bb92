import { PGlite, type Transaction } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import copyStreams from "pg-copy-streams";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient, type Prisma } from "../generated/prisma/client.ts";
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
  copyFrom(table: string, columns: readonly string[], text: string): Promise<number>;
}

export interface Database {
  readonly prisma: PrismaClient;
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` on one raw connection, outside Prisma. */
  withRawSession<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  /**
   * A read on the driver itself, bypassing Prisma: Prisma's decoding of raw
   * results took 3 of 4 seconds for a 20,000-row users export. Cast columns in
   * SQL to types both drivers read alike (int4, float8, text, jsonb).
   */
  read<Row>(query: Prisma.Sql): Promise<Row[]>;
  /** Runs `fn` in one transaction on one raw connection (rolled back if it throws). */
  inRawTransaction<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type DatabaseTarget = { kind: "postgres"; url: string } | { kind: "pglite"; dir: string | null };

/**
 * Opens PostgreSQL (several processes may share it) or embedded PGlite (one process).
 * `onConnectionError` hears of connections the server dropped (they never end the process).
 */
export async function openDatabase(target: DatabaseTarget, onConnectionError: (error: Error) => void = () => undefined): Promise<Database> {
  return target.kind === "postgres" ? openPostgres(target.url, onConnectionError) : openPglite(target.dir);
}

async function openPglite(dir: string | null): Promise<Database> {
  const pglite = dir ? new PGlite(dir) : new PGlite();
  await pglite.waitReady;
  const prisma = new PrismaClient({ adapter: pgliteAdapter(pglite) });
  const session = pgliteSession(pglite);
  return {
    prisma,
    kind: "pglite",
    withRawSession: (fn) => fn(session),
    read: async <Row>(query: Prisma.Sql) => (await pglite.query<Row>(query.text, query.values)).rows,
    // PGlite has one session: its transaction() holds it exclusively, and Prisma's queries wait.
    inRawTransaction: (fn) => pglite.transaction((tx) => fn(pgliteSession(tx))),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

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

async function openPostgres(url: string, onConnectionError: (error: Error) => void): Promise<Database> {
  const pool = keepPoolAlive(new pg.Pool({ connectionString: url, max: 10, options: SESSION_SETTINGS }), onConnectionError);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sessionOf = (client: pg.PoolClient): RawSession => ({
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async <Row>(sql: string, params: unknown[] = []) => (await client.query<Row & pg.QueryResultRow>(sql, params)).rows,
    copyFrom: (table, columns, text) => copyIn(client, table, columns, text),
  });
  return {
    prisma,
    kind: "postgres",
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
    read: async <Row>(query: Prisma.Sql) => (await pool.query<Row & pg.QueryResultRow>(query.text, query.values)).rows,
    async inRawTransaction(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("begin");
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
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** Streams COPY text into `COPY … FROM STDIN`; resolves with the rows loaded, rejects with the server's error. */
async function copyIn(client: pg.PoolClient, table: string, columns: readonly string[], text: string): Promise<number> {
  const stream = client.query(copyStreams.from(`copy ${table} (${columns.join(", ")}) from stdin`));
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.on("finish", resolve);
    stream.end(text);
  });
  return stream.rowCount;
}
