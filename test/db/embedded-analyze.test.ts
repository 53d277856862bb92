import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.ts";
import { embeddedAnalyze } from "../../src/db/embedded-analyze.ts";
import { migrate } from "../../src/db/migrate.ts";
import { Prisma } from "../../src/generated/prisma/client.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";

describe("the embedded database's statistics", () => {
  it("are gathered once 50 rows plus a tenth of those written before have changed", async () => {
    const statements: string[] = [];
    const analyze = embeddedAnalyze(async (sql) => {
      statements.push(sql);
    });
    await analyze.wrote(49);
    expect(statements).toEqual([]);
    await analyze.wrote(1); // 50 rows: the first analyze
    expect(statements).toEqual(["analyze"]);
    await analyze.wrote(54); // now 50 + 5 are needed
    expect(statements).toHaveLength(1);
    await analyze.wrote(1);
    expect(statements).toHaveLength(2);
    await analyze.wrote(10_000);
    await analyze.wrote(50 + 1_010 - 1); // 10,105 written so far: 1,060 needed
    expect(statements).toHaveLength(3);
  });

  it("follow ingestion on PGlite, so the planner knows the directory's size", async () => {
    const db = await openDatabase({ kind: "pglite", dir: null });
    try {
      await migrate(db);
      await db.prisma.workspace.create({ data: { id: "ws", name: "Analyzed" } });
      const users = Array.from({ length: 3_000 }, (_, i) => ({ type: "user", id: `u${i}`, name: `User ${i}` }));
      await ingestRecords(db, "ws", users);
      const [row] = await db.read<{ reltuples: number }>(
        Prisma.sql`select reltuples::float8 as reltuples from pg_class where relname = 'directory_versions'`,
      );
      // Never analyzed, PostgreSQL keeps -1 here and plans for a nearly empty table.
      expect(row!.reltuples).toBe(3_000);
    } finally {
      await db.close();
    }
  });

  it.skipIf(!process.env.DATABASE_URL)("are left to autovacuum on PostgreSQL", async () => {
    const db = await openDatabase({ kind: "postgres", url: process.env.DATABASE_URL! });
    try {
      await expect(db.wrote(1_000_000)).resolves.toBeUndefined();
    } finally {
      await db.close();
    }
  });
});
