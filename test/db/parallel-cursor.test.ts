import { describe, expect, test } from "vitest";
import { cursorBatches } from "../../src/db/cursor.ts";
import type { RawSession } from "../../src/db/client.ts";
import { Prisma } from "../../src/generated/prisma/client.ts";
import { testDatabase } from "../helpers/database.ts";

// An export's cursor on PostgreSQL reads its query through usage_export_rows, with
// the parameters written in as literals of their inferred types: the rows must be
// the very rows the query gives with parameters, value for value and type for type.

const db = await testDatabase();
const onPostgres = db.kind === "postgres";

const source = (session: RawSession, query: Prisma.Sql) => {
  if (!session.cursorSource) throw new Error("PostgreSQL sessions offer a cursor source");
  return session.cursorSource({ text: query.text, values: query.values });
};

/** Every parameter kind the usage queries pass, and text that must arrive intact. */
const EVERY_KIND = Prisma.sql`select ${'it\'s \\ a "name"; drop table workspaces; --'}::text as name, ${"ws_1"} as bare,
  ${42} + 1 as sum, ${"9007199254740993"}::int8 as big, ${true}::bool as flag, ${null}::text as nothing,
  ${new Date("2026-03-08T07:00:00.123Z")}::timestamptz as at, ${"America/New_York"} as zone,
  (${new Date("2026-03-08T07:00:00Z")}::timestamptz at time zone ${"America/New_York"})::text as local,
  ${"[1,2]"}::jsonb as doc, ${"12.500000"}::numeric(18, 6) as money, g as n
  from generate_series(1, ${3}) g where g <= ${2}`;

describe.skipIf(!onPostgres)("the parallel cursor source on PostgreSQL", () => {
  test("reads the same rows as the query with parameters: every kind of parameter, text with quotes and backslashes", async () => {
    const { direct, rewritten, through } = await db.inReadTransaction(async (session) => {
      const stmt = await source(session, EVERY_KIND);
      return {
        direct: await session.query(EVERY_KIND.text, EVERY_KIND.values),
        rewritten: stmt,
        through: await session.query(stmt.text, stmt.values),
      };
    });
    expect(rewritten.text).toMatch(/^select \* from usage_export_rows\(\$1\) as rows\(/);
    expect(rewritten.values).toHaveLength(1);
    expect(through).toEqual(direct);
    expect(through).toEqual([
      {
        name: 'it\'s \\ a "name"; drop table workspaces; --',
        bare: "ws_1",
        sum: 43,
        big: "9007199254740993",
        flag: true,
        nothing: null,
        at: new Date("2026-03-08T07:00:00.123Z"),
        zone: "America/New_York",
        local: "2026-03-08 03:00:00",
        doc: [1, 2],
        money: "12.500000",
        n: 1,
      },
      expect.objectContaining({ n: 2 }),
    ]);
  });

  test("leaves the query as it is where a literal could mean something else: a Date read as timestamp or date, an array", async () => {
    const asTimestamp = Prisma.sql`select ${new Date("2026-03-08T07:00:00Z")}::timestamp as t`;
    const asDate = Prisma.sql`select ${new Date("2026-03-08T07:00:00Z")}::date as d`;
    const array = Prisma.sql`select ${["a", "b"]}::text[] as a`;
    const sources = await db.inReadTransaction(async (session) => {
      const texts: string[] = [];
      for (const q of [asTimestamp, asDate, array]) texts.push((await source(session, q)).text);
      return texts;
    });
    expect(sources).toEqual([asTimestamp.text, asDate.text, array.text]);
  });

  test("a cursor asked for parallel reads yields the query's rows in its batches, and a failing query fails the reader", async () => {
    const query = Prisma.sql`select g as n, ${"x"} || g::text as label from generate_series(1, ${2500}) g order by g desc`;
    const batches: { n: number; label: string }[][] = [];
    for await (const batch of cursorBatches<{ n: number; label: string }>(db, query, 1000, { parallel: true })) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches[0]?.[0]).toEqual({ n: 2500, label: "x2500" });
    expect(batches[2]?.at(-1)).toEqual({ n: 1, label: "x1" });

    const failing = Prisma.sql`select 1 / (g - ${3}) as q from generate_series(1, 5) g`;
    const read = async () => {
      for await (const _ of cursorBatches(db, failing, 1000, { parallel: true }));
    };
    await expect(read()).rejects.toThrow(/division by zero/);
  });
});

test("embedded PGlite reads a cursor's query itself: its sessions offer no other source", async () => {
  if (onPostgres) return;
  expect(await db.inReadTransaction(async (session) => session.cursorSource)).toBeUndefined();
  const rows: number[] = [];
  for await (const batch of cursorBatches<{ n: number }>(db, Prisma.sql`select g as n from generate_series(1, ${3}) g`, 2, {
    parallel: true,
  }))
    rows.push(...batch.map((r) => r.n));
  expect(rows).toEqual([1, 2, 3]);
});
