import { randomUUID } from "node:crypto";
import { whileAnotherClientStoresM1 } from "../helpers/lock-wait.ts";
import { beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { Prisma } from "../../src/generated/prisma/client.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { ensureUsagePartitions } from "../../src/usage/partitions/ensure-partitions.ts";
import { testDatabase, testDatabaseUrl } from "../helpers/database.ts";

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

describe.runIf(process.env.DATABASE_URL)("usage records another client is storing at the same moment", () => {
  it("waits for the other transaction, then skips its record and stores the rest", async () => {
    const url = await testDatabaseUrl();
    const own = await openDatabase({ kind: "postgres", url });
    try {
      const ws = await workspace(own);
      // The other client has stored m1 but not committed: our COPY must wait on its key.
      await ensureUsagePartitions(own, ["2024-06-01"]);
      const ingest = whileAnotherClientStoresM1(url, ws, "2024-06-01T10:00:00Z", () =>
        ingestRecords(own, ws, [message("m1"), message("m2")]),
      );
      expect(await ingest).toEqual({ accepted: 1, duplicates: 1 });
      expect((await stored(own, ws)).map((r) => r.id)).toEqual(["m1", "m2"]);
      expect(await rolledUpRecords(own, ws)).toBe(2);
    } finally {
      await own.close();
    }
  });
});
