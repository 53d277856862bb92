import type { Database } from "./client.ts";

/**
 * Runs `fn` while holding a PostgreSQL session advisory lock, so that only one
 * of several instances sharing a database does it at a time.
 */
export async function withAdvisoryLock<T>(db: Database, key: number, fn: () => Promise<T>): Promise<T> {
  return db.withRawSession(async (session) => {
    await session.query("select pg_advisory_lock($1)", [key]);
    try {
      return await fn();
    } finally {
      await session.query("select pg_advisory_unlock($1)", [key]);
    }
  });
}
