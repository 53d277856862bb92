import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { projectPath } from "../config/project-root.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Database } from "./client.ts";

const MIGRATIONS_DIR = projectPath("prisma", "migrations");
/** Any constant: all instances take the same advisory lock while migrating. */
const MIGRATION_LOCK_KEY = 72_410_001;

/**
 * Applies prisma/migrations/<name>/migration.sql in name order, each in its own
 * transaction, once. The service does this itself at start instead of spawning
 * the Prisma CLI: it is faster, and embedded PGlite admits only one process.
 */
export async function migrate(db: Database): Promise<string[]> {
  const names = await migrationNames();
  return db.withRawSession(async (s) => {
    await s.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await s.exec(`create table if not exists _usage_exports_migrations (
        name text primary key, applied_at timestamptz not null default now())`);
      const done = new Set((await s.query<{ name: string }>("select name from _usage_exports_migrations")).map((r) => r.name));
      const applied: string[] = [];
      for (const name of names.filter((n) => !done.has(n))) {
        const sql = await readFile(join(MIGRATIONS_DIR, name, "migration.sql"), "utf8");
        await s.exec("begin");
        try {
          await s.exec(sql);
          await s.query("insert into _usage_exports_migrations (name) values ($1)", [name]);
          await s.exec("commit");
        } catch (error) {
          await s.exec("rollback");
          throw new Error(`migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        applied.push(name);
      }
      return applied;
    } finally {
      await s.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  });
}

/** The migrations this build ships, in the order they apply. */
async function migrationNames(): Promise<string[]> {
  return (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Migrations this build ships that the database has not applied (another instance may be applying them). */
export async function pendingMigrations(db: Database): Promise<string[]> {
  const [shipped, applied] = await Promise.all([
    migrationNames(),
    db.read<{ name: string }>(Prisma.sql`select name from _usage_exports_migrations`),
  ]);
  const done = new Set(applied.map((r) => r.name));
  return shipped.filter((name) => !done.has(name));
}
