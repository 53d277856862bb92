import type pg from "pg";

/**
 * Until some session of this database waits for a lock (a writer held up by
 * another's uncommitted rows or lock). Asked outside a transaction, whose view
 * of pg_stat_activity would stay fixed.
 */
export async function waitUntilBlocked(client: pg.Client): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await client.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    );
    if ((rows[0]?.n ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("no session waited for a lock: the writer never waited for the other transaction");
}
