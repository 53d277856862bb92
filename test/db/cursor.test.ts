import { beforeAll, expect, test } from "vitest";
import { Prisma } from "../../src/generated/prisma/client.ts";
import type { Database } from "../../src/db/client.ts";
import { cursorBatches } from "../../src/db/cursor.ts";
import { testDatabase } from "../helpers/database.ts";

let db: Database;
beforeAll(async () => {
  db = await testDatabase();
});

const numbers = (n: number) => Prisma.sql`select g::int as g from generate_series(1, ${n}::int) g order by g`;

test("reads every row in batches of the given size", async () => {
  const sizes: number[] = [];
  const seen: number[] = [];
  for await (const batch of cursorBatches<{ g: number }>(db, numbers(12), 5)) {
    sizes.push(batch.length);
    seen.push(...batch.map((r) => r.g));
  }
  expect(sizes).toEqual([5, 5, 2]);
  expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
});

test("an empty result gives no batch", async () => {
  const batches: unknown[] = [];
  for await (const batch of cursorBatches(db, numbers(0), 5)) batches.push(batch);
  expect(batches).toEqual([]);
});

test("reports the total before the first batch when asked", async () => {
  let total: number | null = null;
  let totalAtFirstBatch: number | null = null;
  const seen: number[] = [];
  for await (const batch of cursorBatches<{ g: number }>(db, numbers(7), 3, { onTotal: (n) => (total = n) })) {
    totalAtFirstBatch ??= total;
    seen.push(...batch.map((r) => r.g));
  }
  expect(totalAtFirstBatch).toBe(7);
  expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
});

test("stopping early ends the transaction and leaves the database usable", async () => {
  let batches = 0;
  for await (const _ of cursorBatches(db, numbers(100), 10)) {
    if (++batches === 2) break;
  }
  expect(batches).toBe(2);
  const [{ ok }] = await db.prisma.$queryRaw<[{ ok: number }]>`select 1::int as ok`;
  expect(ok).toBe(1);
});

test("a query that fails part-way rejects the reader", async () => {
  const failing = Prisma.sql`select (10 / (5 - g))::int as v from generate_series(1, 8) g order by g`;
  const read = async () => {
    for await (const _ of cursorBatches(db, failing, 2)) {
      /* reading */
    }
  };
  await expect(read()).rejects.toThrow();
  const [{ ok }] = await db.prisma.$queryRaw<[{ ok: number }]>`select 1::int as ok`;
  expect(ok).toBe(1);
});
