import pg from "pg";
import { afterAll } from "vitest";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";

/**
 * A migrated database of its own for the calling test file: an in-memory PGlite,
 * or, when DATABASE_URL is set, a fresh PostgreSQL database cloned from the
 * template that test/global-setup.ts migrated once. Closed (and dropped) after the file.
 */
export async function testDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDatabase({ kind: "pglite", dir: null });
    await migrate(db);
    afterAll(() => db.close());
    return db;
  }
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (!template) throw new Error("test/global-setup.ts did not prepare a template database");
  const name = `ue_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(url, `create database ${name} template ${template}`);
  const db = await openDatabase({ kind: "postgres", url: withDatabase(url, name) });
  afterAll(async () => {
    await db.close();
    await adminQuery(url, `drop database if exists ${name}`);
  });
  return db;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
