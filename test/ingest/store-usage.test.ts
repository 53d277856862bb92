import { randomUUID } from "node:crypto";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { Prisma } from "../../src/generated/prisma/client.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { ensureUsagePartitions } from "../../src/usage/partitions/ensure-partitions.ts";
import { rebuildRollups } from "../../src/usage/rollups/rebuild-rollups.ts";
import { testDatabase, testDatabaseUrl } from "../helpers/database.ts";
import { waitUntilBlocked, whileAnotherClientStoresM1 } from "../helpers/lock-wait.ts";

// Usage records are loaded with COPY, and a batch holding an id already stored
// falls back to INSERT … ON CONFLICT DO NOTHING (src/ingest/store-usage.ts).

let db: Database;
beforeAll(async () => {
  db = await testDatabase();
});

async function workspace(target: Database = db): Promise<string> {
  const id = `ws_${randomUUID()}`;
  await target.prisma.workspace.create({ data: { id, name: "Test workspace" } });
  return id;
}

const message = (id: string, extra: Record<string, unknown> = {}) => ({
  type: "message",
  id,
  occurredAt: "2024-06-01T12:00:00+02:00",
  userId: "u1",
  surface: "chat",
  model: "gpt-4o",
  provider: "openai",
  source: "WEB",
  promptTokens: 10,
  costUsd: "0.000001",
  ...extra,
});

async function stored(target: Database, workspaceId: string) {
  return target.prisma.usageRecord.findMany({
    where: { workspaceId },
    orderBy: { id: "asc" },
    select: { id: true, conversationId: true, action: true, occurredAt: true, promptTokens: true, costUsd: true },
  });
}

async function rolledUpRecords(target: Database, workspaceId: string): Promise<number> {
  const [row] = await target.read<{ n: number }>(
    Prisma.sql`select coalesce(sum(records), 0)::int as n from usage_daily where workspace_id = ${workspaceId}`,
  );
  return row!.n;
}

describe("usage records loaded with COPY", () => {
  it("stores text holding tabs, newlines, carriage returns, backslashes and a literal \\N exactly", async () => {
    const ws = await workspace();
    const tricky = ["a\tb", "line\nbreak", "cr\rhere", "back\\slash", "\\N", "ends with \\"];
    const result = await ingestRecords(
      db,
      ws,
      tricky.map((text, i) => message(`m${i}`, { conversationId: text, action: `${text}!` })),
    );
    expect(result).toEqual({ accepted: 6, duplicates: 0 });
    const rows = await stored(db, ws);
    expect(rows.map((r) => [r.conversationId, r.action])).toEqual(tricky.map((t) => [t, `${t}!`]));
    expect(rows[0]!.occurredAt.toISOString()).toBe("2024-06-01T10:00:00.000Z");
    expect(rows[0]!.promptTokens).toBe(10);
    expect(rows[0]!.costUsd.toString()).toBe("0.000001");
  });

  it("stores only the new records of a batch that repeats stored ones, and rolls each up once", async () => {
    const ws = await workspace();
    expect(await ingestRecords(db, ws, [message("m1"), message("m2")])).toEqual({ accepted: 2, duplicates: 0 });
    expect(await ingestRecords(db, ws, [message("m3"), message("m2"), message("m4"), message("m1")])).toEqual({
      accepted: 2,
      duplicates: 2,
    });
    expect((await stored(db, ws)).map((r) => r.id)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(await rolledUpRecords(db, ws)).toBe(4);
  });

  it("keeps a record sent twice in one batch once", async () => {
    const ws = await workspace();
    expect(await ingestRecords(db, ws, [message("m1"), message("m1", { promptTokens: 99 })])).toEqual({ accepted: 1, duplicates: 1 });
    expect((await stored(db, ws)).map((r) => r.promptTokens)).toEqual([10]);
  });
});

/** `fn` with a pool of its own on the test database (as the service has), closed after. */
async function onOwnPool(fn: (own: Database, url: string) => Promise<void>): Promise<void> {
  const url = await testDatabaseUrl();
  const own = await openDatabase({ kind: "postgres", url });
  try {
    await fn(own, url);
  } finally {
    await own.close();
  }
}

/** `fn` with another plain connection to the same database, closed after. */
async function withClient(url: string, fn: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

describe.runIf(process.env.DATABASE_URL)("usage records another client is storing at the same moment", () => {
  it("waits for the other transaction, then skips its record and stores the rest", () =>
    onOwnPool(async (own, url) => {
      const ws = await workspace(own);
      // The other client has stored m1 but not committed: our COPY must wait on its key.
      await ensureUsagePartitions(own, ["2024-06-01"]);
      const ingest = whileAnotherClientStoresM1(url, ws, "2024-06-01T10:00:00Z", () =>
        ingestRecords(own, ws, [message("m1"), message("m2")]),
      );
      expect(await ingest).toEqual({ accepted: 1, duplicates: 1 });
      expect((await stored(own, ws)).map((r) => r.id)).toEqual(["m1", "m2"]);
      expect(await rolledUpRecords(own, ws)).toBe(2);
    }));
});

describe.runIf(process.env.DATABASE_URL)("writers of one workspace storing at once", () => {
  const insertOpenRecord = (client: pg.Client, ws: string, id: string, occurredAt: string, userId = "u1") =>
    client.query(
      `insert into usage_records (workspace_id, kind, id, occurred_at, user_id, surface, model, model_raw, provider, source)
       values ($1, 'message', $2, $3, $4, 'chat', 'gpt-4o', 'gpt-4o', 'openai', 'WEB')`,
      [ws, id, occurredAt, userId],
    );
  /** Opens a transaction on `client` that, as the service does, leaves data_version to its commit. */
  const beginAsWriter = async (client: pg.Client) => {
    await client.query("begin");
    await client.query("select set_config('usage_exports.data_version_by_caller', 'on', true)");
  };

  it("stores a batch while another writer of the workspace still holds its own uncommitted one", () =>
    onOwnPool((own, url) =>
      withClient(url, async (other) => {
        const ws = await workspace(own);
        await ensureUsagePartitions(own, ["2024-06-01"]);
        await beginAsWriter(other);
        await insertOpenRecord(other, ws, "m1", "2024-06-02T10:00:00Z", "u2");
        const ingest = ingestRecords(own, ws, [message("m2")]);
        const waited = new Promise((resolve) => setTimeout(() => resolve("still waiting after 5 s"), 5_000));
        expect(await Promise.race([ingest, waited])).toEqual({ accepted: 1, duplicates: 0 });
        await other.query("commit");
        expect((await stored(own, ws)).map((r) => r.id)).toEqual(["m1", "m2"]);
        expect(await rolledUpRecords(own, ws)).toBe(2);
      }),
    ));

  it("stores every id once with exact counts when eight batches overlapping in different orders arrive at once, in a month not seen before", () =>
    onOwnPool(async (own) => {
      const ws = await workspace(own);
      const version = async () => (await own.prisma.workspace.findUniqueOrThrow({ where: { id: ws } })).dataVersion;
      const before = await version();
      // Batch b holds ids b*30 … b*30+59: each id is in one or two batches; odd batches list theirs backwards.
      // Every batch also names the same two users, so their directory rows are contended too;
      // and all of them need the month's partitions, which none has created yet.
      const batches = Array.from({ length: 8 }, (_, b) => {
        const ids = Array.from({ length: 60 }, (_, i) => b * 30 + i);
        if (b % 2) ids.reverse();
        return [
          ...ids.map((n) =>
            message(`m${n}`, { occurredAt: `2023-02-${String(1 + (n % 28)).padStart(2, "0")}T12:00:00Z`, userId: `u${n % 3}` }),
          ),
          { type: "user", id: "u0", name: `from batch ${b}` },
          { type: "user", id: "u1", name: `from batch ${b}` },
        ];
      });
      const results = await Promise.all(batches.map((batch) => ingestRecords(own, ws, batch)));
      const distinct = 7 * 30 + 60;
      expect(results.reduce((n, r) => n + r.accepted - 2, 0)).toBe(distinct);
      expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(8 * 60 - distinct);
      expect((await stored(own, ws)).length).toBe(distinct);
      expect(await rolledUpRecords(own, ws)).toBe(distinct);
      const [keys] = await own.read<{ n: number }>(Prisma.sql`select count(*)::int as n from usage_record_keys where workspace_id = ${ws}`);
      expect(keys!.n).toBe(distinct);
      expect(await version()).toBe(before + 8);
    }));

  it("runs a batch again when the database ends it to break a lock cycle with a writer out of order", () =>
    onOwnPool((own, url) =>
      withClient(url, (other) =>
        withClient(url, async (watcher) => {
          const ws = await workspace(own);
          await ensureUsagePartitions(own, ["2024-06-01"]);
          // The other writer stores m1, then m0: against the key order the service stores in.
          await beginAsWriter(other);
          await insertOpenRecord(other, ws, "m1", "2024-06-01T10:00:00Z");
          const ingest = ingestRecords(own, ws, [
            message("m0", { occurredAt: "2024-06-01T09:00:00Z" }),
            message("m1", { occurredAt: "2024-06-01T10:00:00Z" }),
            message("m2", { occurredAt: "2024-06-01T11:00:00Z" }),
          ]);
          // Our COPY holds m0 and waits on m1; the other now waits on m0: a cycle, which
          // PostgreSQL breaks after deadlock_timeout by ending the transaction that waited first, ours.
          await waitUntilBlocked(watcher);
          await insertOpenRecord(other, ws, "m0", "2024-06-01T09:00:00Z");
          await other.query("commit");
          expect(await ingest).toEqual({ accepted: 1, duplicates: 2 });
          expect((await stored(own, ws)).map((r) => r.id)).toEqual(["m0", "m1", "m2"]);
          expect(await rolledUpRecords(own, ws)).toBe(3);
        }),
      ),
    ));

  it("makes a rollup rebuild wait for a writer still storing", () =>
    onOwnPool(async (own, url) => {
      const ws = await workspace(own);
      await ensureUsagePartitions(own, ["2024-06-01"]);
      // The helper fails unless the rebuild is seen waiting on the other writer's usage lock.
      await whileAnotherClientStoresM1(url, ws, "2024-06-01T10:00:00Z", () => rebuildRollups(own, ws));
      expect(await rolledUpRecords(own, ws)).toBe(1);
    }));
});
