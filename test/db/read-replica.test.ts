import pg from "pg";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { Prisma } from "../../src/generated/prisma/client.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD, u3Message } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabaseUrl, withDatabase } from "../helpers/database.ts";
import { graphql, startTestServer } from "../helpers/http.ts";

// DATABASE_READ_URL against a real streaming replica of DATABASE_URL's PostgreSQL
// (.ci/replica.sh makes one on 127.0.0.1:5433 and CI passes it as TEST_REPLICA_URL).
// Pausing the replica's WAL replay makes its lag as long as a test needs.

const REPLICA_URL = process.env.TEST_REPLICA_URL;
const PRIMARY_URL = process.env.DATABASE_URL;
const WS = "ws_replica";

/** Connects to `url` until it answers (the replica replays the test database's CREATE DATABASE moments after the primary). */
async function connectWhenReplayed(url: string): Promise<pg.Client> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function setUp(primaryAdminUrl: string, replicaAdminUrl: string) {
  const url = await testDatabaseUrl();
  const name = new URL(url).pathname.slice(1);
  const replicaUrl = withDatabase(replicaAdminUrl, name);
  await (await connectWhenReplayed(replicaUrl)).end();
  const db = await openDatabase({ kind: "postgres", url, readUrl: replicaUrl });
  afterAll(() => db.close());
  // Pause and resume run on the replica's own `postgres` database; LSNs come from the primary.
  const replica = new pg.Client({ connectionString: replicaAdminUrl });
  await replica.connect();
  afterAll(async () => {
    // Never leave the machine's replica paused, whatever a test did.
    await replica.query("select pg_wal_replay_resume()");
    await replica.end();
  });
  const app = testApp(db, { now: FIXTURE_NOW });
  const server = await startTestServer(app);
  await createSmallWorkspace(db, { id: WS });
  const key = (await createAccessKey(db, { workspaceId: WS, role: "export" })).apiKey;
  return { db, replica, primaryAdminUrl, server, key };
}

const ready = REPLICA_URL && PRIMARY_URL ? await setUp(PRIMARY_URL, REPLICA_URL) : null;
function setUpOrThrow() {
  if (!ready) throw new Error("not set up");
  return ready;
}

async function replayPaused(paused: boolean): Promise<void> {
  const { replica } = setUpOrThrow();
  await replica.query(paused ? "select pg_wal_replay_pause()" : "select pg_wal_replay_resume()");
  // "pause requested" is enough: the startup process checks it before applying each further record.
  for (let i = 0; i < 300; i++) {
    const { rows } = await replica.query<{ state: string }>("select pg_get_wal_replay_pause_state() as state");
    if ((rows[0]?.state !== "not paused") === paused) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`replay did not become ${paused ? "paused" : "resumed"}`);
}

/** Waits until the replica has replayed everything the primary has written so far. */
async function caughtUp(): Promise<void> {
  const { replica, primaryAdminUrl } = setUpOrThrow();
  const primary = new pg.Client({ connectionString: primaryAdminUrl });
  await primary.connect();
  const { rows } = await primary.query<{ lsn: string }>("select pg_current_wal_lsn()::text as lsn").finally(() => primary.end());
  const lsn = rows[0]?.lsn;
  for (let i = 0; i < 600; i++) {
    const done = await replica.query<{ done: boolean }>("select pg_last_wal_replay_lsn() >= $1::pg_lsn as done", [lsn]);
    if (done.rows[0]?.done) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the replica did not replay up to ${lsn}`);
}

const message = u3Message;

const JsonRowsAnswer = z.object({
  data: z.object({ columns: z.array(z.string()), rows: z.array(z.record(z.string(), z.unknown())) }),
});

/** u3's messages_total in the users export (POST /export/users/json: readUsage's cursor, as the CSV files). */
async function exportedU3Messages(period: object = FIXTURE_PERIOD): Promise<unknown> {
  const { server, key } = setUpOrThrow();
  const res = await fetch(`${server}/export/users/json`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(period),
  });
  expect(res.status).toBe(200);
  const { rows } = JsonRowsAnswer.parse(await res.json()).data;
  return rows.find((r) => r.user_id === "u3")?.messages_total;
}

const USERS = `query($period: PeriodInput!) { userUsage(period: $period, first: 50) {
  ... on AppError { code message }
  ... on QueryUserUsageSuccess { data { nodes { userId messagesTotal } } }
} }`;

/** u3's messagesTotal on the dashboard (GraphQL userUsage: readUsage's cached rows); undefined without a u3 row. */
async function graphqlU3Messages(apiKey = setUpOrThrow().key): Promise<number | undefined> {
  const { status, body } = await graphql(setUpOrThrow().server, apiKey, USERS, { period: FIXTURE_PERIOD });
  expect(status).toBe(200);
  const nodes = z.array(z.object({ userId: z.string(), messagesTotal: z.number() })).parse(body.data.userUsage.data.nodes);
  return nodes.find((n) => n.userId === "u3")?.messagesTotal;
}

afterEach(async () => {
  if (ready) await replayPaused(false);
});

const SUITE = ready
  ? "with DATABASE_READ_URL on a streaming replica (TEST_REPLICA_URL)"
  : "with DATABASE_READ_URL on a streaming replica: skipped, needs TEST_REPLICA_URL and DATABASE_URL (see .ci/replica.sh)";

describe.skipIf(!ready)(SUITE, () => {
  const recovery = (db: Pick<Database, "read">) =>
    db.read<{ standby: boolean }>(Prisma.sql`select pg_is_in_recovery() as standby`).then((rows) => rows[0]?.standby);

  test("usage reads run on the standby; the database's own reads and transactions on the primary", async () => {
    const { db } = setUpOrThrow();
    expect(db.replica.isReplica).toBe(true);
    expect(await recovery(db.replica)).toBe(true);
    expect(await db.replica.inReadTransaction((s) => s.query<{ standby: boolean }>("select pg_is_in_recovery() as standby"))).toEqual([
      { standby: true },
    ]);
    expect(await recovery(db)).toBe(false);
    expect(await db.inRawTransaction((s) => s.query<{ standby: boolean }>("select pg_is_in_recovery() as standby"))).toEqual([
      { standby: false },
    ]);
  });

  test("an export does not see a record ingested while replay is paused, and sees it once replay resumes", async () => {
    const { db } = setUpOrThrow();
    await caughtUp();
    expect(await exportedU3Messages()).toBe(0);

    await replayPaused(true);
    expect((await ingestRecords(db, WS, [message("replica-export-1")])).accepted).toBe(1);
    expect(await exportedU3Messages()).toBe(0);

    await replayPaused(false);
    await caughtUp();
    expect(await exportedU3Messages()).toBe(1);
  });

  test("an export of a period whose only record the replica has not replayed is a 404 (no usage there), then has it", async () => {
    const { db, server, key } = setUpOrThrow();
    const june = { from: { date: "2026-06-01", timezone: "UTC" }, to: { date: "2026-06-30", timezone: "UTC" } };
    const exportJune = () =>
      fetch(`${server}/export/users`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify(june),
      });
    await replayPaused(true);
    expect((await ingestRecords(db, WS, [{ ...message("replica-june-1"), occurredAt: "2026-06-15T10:00:00Z" }])).accepted).toBe(1);
    const lagging = await exportJune();
    expect([lagging.status, (await lagging.json()).error]).toEqual([404, "No data found"]);

    await replayPaused(false);
    await caughtUp();
    expect((await exportJune()).status).toBe(200);
    expect(await exportedU3Messages(june)).toBe(1);
  });

  test("the dashboard reads the replica, and rows read before replay caught up are never served after it", async () => {
    const { db } = setUpOrThrow();
    await caughtUp();
    expect(await graphqlU3Messages()).toBe(1); // the previous tests' October message

    await replayPaused(true);
    // The primary's data version moves; the replica still holds the previous one and its rows.
    expect((await ingestRecords(db, WS, [message("replica-graphql-1")])).accepted).toBe(1);
    expect(await graphqlU3Messages()).toBe(1);
    expect(await graphqlU3Messages()).toBe(1);

    await replayPaused(false);
    await caughtUp();
    // The primary's data version is the one of the two requests above: had their lagging rows been filed under it, this would be `before`.
    expect(await graphqlU3Messages()).toBe(2);
  });

  test("a workspace the replica has not replayed yet has no rows there, and they are not kept once it has", async () => {
    const { db } = setUpOrThrow();
    await replayPaused(true);
    await createSmallWorkspace(db, { id: "ws_replica_new" });
    const key = (await createAccessKey(db, { workspaceId: "ws_replica_new", role: "export" })).apiKey;
    // Authenticated on the primary; no such workspace on the replica yet.
    expect(await graphqlU3Messages(key)).toBeUndefined();

    await replayPaused(false);
    await caughtUp();
    expect(await graphqlU3Messages(key)).toBe(0);
  });
});
