import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../generated/prisma/client.ts";

type AdapterFactory = SqlDriverAdapterFactory;

/**
 * pglite-prisma-adapter 0.6 declares its types against driver-adapter-utils 6.10;
 * the runtime contract is the same in Prisma 6.19 (the suite runs on it), only
 * the nominal types differ.
 */
export const pgliteAdapter = (pglite: PGlite) => new PrismaPGlite(pglite) as unknown as AdapterFactory;

/** A raw connection for multi-statement SQL (migrations, test set-up). */
export interface RawSession {
  exec(sql: string): Promise<void>;
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface Database {
  readonly prisma: PrismaClient;
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` on one raw connection, outside Prisma. */
  withRawSession<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type DatabaseTarget = { kind: "postgres"; url: string } | { kind: "pglite"; dir: string | null };

/** Opens PostgreSQL (several processes may share it) or embedded PGlite (one process). */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.kind === "postgres" ? openPostgres(target.url) : openPglite(target.dir);
}

async function openPglite(dir: string | null): Promise<Database> {
  const pglite = dir ? new PGlite(dir) : new PGlite();
  await pglite.waitReady;
  const prisma = new PrismaClient({ adapter: pgliteAdapter(pglite) });
  const session: RawSession = {
    exec: async (sql) => {
      await pglite.exec(sql);
    },
    query: async <Row>(sql: string, params: unknown[] = []) => (await pglite.query<Row>(sql, params)).rows,
  };
  return {
    prisma,
    kind: "pglite",
    withRawSession: (fn) => fn(session),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    kind: "postgres",
    async withRawSession(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          exec: async (sql) => {
            await client.query(sql);
          },
          query: async <Row>(sql: string, params: unknown[] = []) =>
            (await client.query(sql, params)).rows as Row[],
        });
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
