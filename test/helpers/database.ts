import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll } from "vitest";
import { embeddedDatabaseDir } from "../../src/app.ts";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";

/**
 * The folder TEST_PGLITE_TEMPLATE names is laid out as a DATA_DIR: the migrated
 * PGlite cluster test/global-setup.ts made where the service keeps it, and beside it its dump.
 */
export const PGLITE_TEMPLATE_DUMP = "pglite.tar";

function pgliteTemplate(): string {
  const folder = process.env.TEST_PGLITE_TEMPLATE;
  if (!folder) throw new Error("test/global-setup.ts did not prepare a PGlite template");
  return folder;
}

/**
 * A migrated database of its own for the calling test file: an in-memory PGlite
 * loaded from the run's migrated dump, or, when DATABASE_URL is set, a fresh
 * PostgreSQL database cloned from the template that test/global-setup.ts
 * migrated once. Closed (and dropped) after the file.
 */
export async function testDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const dump = new Blob([readFileSync(join(pgliteTemplate(), PGLITE_TEMPLATE_DUMP))]);
    const db = await openDatabase({ kind: "pglite", dir: null, dump });
    // A no-op unless a migration was added since the dump: what the service does at start.
    await migrate(db);
    afterAll(() => db.close());
    return db;
  }
  const db = await openDatabase({ kind: "postgres", url: await testDatabaseUrl() });
  afterAll(() => db.close());
  return db;
}

/** Puts the run's migrated PGlite cluster in `dataDir` (where the service keeps it), as a first start would leave it. */
export function seedPgliteDataDir(dataDir: string): void {
  cpSync(embeddedDatabaseDir(pgliteTemplate()), embeddedDatabaseDir(dataDir), { recursive: true });
}

/**
 * With DATABASE_URL: the URL of a fresh migrated PostgreSQL database of the
 * calling test file's own (for a server process to use), dropped after the file.
 * Hooks run in reverse, so whatever the file closes in its own afterAll closes first.
 */
export async function testDatabaseUrl(): Promise<string> {
  const url = process.env.DATABASE_URL;
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (!url || !template) throw new Error("test/global-setup.ts did not prepare a template database");
  const name = newTestDatabaseName();
  await adminQuery(url, `create database ${name} template ${template}`);
  // (force): a server process killed in a test may leave its sessions behind for a moment.
  afterAll(() => adminQuery(url, `drop database if exists ${name} with (force)`));
  return withDatabase(url, name);
}

/**
 * The names of one run's test databases: they carry the run's template, so the
 * run's teardown (test/global-setup.ts) drops any a file left behind (a hook
 * registered inside a running test does not run; a killed worker runs none).
 */
export function testDatabasePrefix(template: string): string {
  return `ue_test_${template.replace(/^ue_template_/, "")}_`;
}

/** A fresh name for a database of this run (test/global-setup.ts drops whatever is left under it). */
export function newTestDatabaseName(): string {
  return `${testDatabasePrefix(process.env.TEST_TEMPLATE_DATABASE ?? "")}${Math.random().toString(36).slice(2, 8)}`;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery<Row extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
