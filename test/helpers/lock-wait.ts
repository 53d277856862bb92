import pg from "pg";

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

/**
 * Another client's transaction holding an uncommitted message `m1` of
 * `workspaceId` at `occurredAt`: `write` starts, is seen waiting on it, then
 * the other transaction commits. Resolves with what `write` resolved with.
 */
export async function whileAnotherClientStoresM1<T>(
  url: string,
  workspaceId: string,
  occurredAt: string,
  write: () => Promise<T>,
): Promise<T> {
  const other = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  try {
    await other.connect();
    await watcher.connect();
    await other.query("begin");
    await other.query(
      `insert into usage_records (workspace_id, kind, id, occurred_at, user_id, surface, model, model_raw, provider, source)
       values ($1, 'message', 'm1', $2, 'u1', 'chat', 'gpt-4o', 'gpt-4o', 'openai', 'WEB')`,
      [workspaceId, occurredAt],
    );
    const written = write();
    await waitUntilBlocked(watcher);
    await other.query("commit");
    return await written;
  } finally {
    await other.end();
    await watcher.end();
  }
}
