import { stringify } from "csv-stringify/sync";
import { expect, test } from "vitest";
import { csvStream, csvText } from "../../src/exports/csv.ts";
import { formatCell } from "../../src/exports/format-cell.ts";
import type { Column, ColumnKind } from "../../src/usage/shared/column.ts";

// The service writes CSV itself (src/exports/csv.ts says why); csv-stringify, which
// it used before, is the reference here: the same bytes for any cells, but for one
// thing told to it explicitly. With CRLF records it left a lone CR or LF unquoted
// (a member named "a\nb" split its row in two for every reader); RFC 4180 quotes
// every cell holding a line break, and so does the service now.

type Row = { a: string | null; b: string | number | null; c: boolean; d: { key: string; count: number }[] };

const column = (field: keyof Row, kind: ColumnKind, name: string): Column<Row> => ({ name, field, kind, description: "" });
const COLUMNS = [
  column("a", "text", "name, with comma"),
  column("b", "money", 'say "cost"'),
  column("c", "bool", "flag"),
  column("d", "json", "map"),
];

/** A small random generator (mulberry32): the same cells on every run. */
function random(seed: number) {
  let t = seed;
  return () => {
    t = (t + 0x6d2b79f5) | 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['"', ",", "\r", "\n", "\r\n", "=", "+", "-", "@", "\t", " ", "a", "Zoë", "名前", "'", "\\", ";", "0"];

function randomRows(count: number, next: () => number): Row[] {
  const text = () => Array.from({ length: Math.floor(next() * 6) }, () => PIECES[Math.floor(next() * PIECES.length)]).join("");
  return Array.from({ length: count }, () => ({
    a: next() < 0.1 ? null : text(),
    b: next() < 0.1 ? null : next() < 0.5 ? (next() * 1000).toFixed(6) : Math.floor(next() * 1e6),
    c: next() < 0.5,
    d: next() < 0.3 ? [] : [{ key: text(), count: Math.floor(next() * 9) }],
  }));
}

const reference = (rows: Row[]) =>
  stringify([COLUMNS.map((c) => c.name), ...rows.map((row) => COLUMNS.map((c) => formatCell(c.kind, row[c.field])))], {
    record_delimiter: "\r\n",
    quoted_match: /[\r\n]/,
  });

test("the CSV of random cells (quotes, commas, CR, LF, formulas, empty, non-ASCII) is byte for byte csv-stringify's quoting every line break", () => {
  const rows = randomRows(5_000, random(16));
  expect(csvText(COLUMNS, rows)).toBe(reference(rows));
});

test("quotes only the cells that need it and doubles their quotes; empty cells stay empty; every record ends in CRLF", () => {
  const rows: Row[] = [
    { a: 'say "hi", then\r\nleave', b: "1.500000", c: true, d: [] },
    { a: "", b: null, c: false, d: [{ key: "gpt-4o", count: 2 }] },
    { a: "line\none", b: "0", c: false, d: [{ key: "cr\r", count: 1 }] },
  ];
  expect(csvText(COLUMNS, rows)).toBe(
    '"name, with comma","say ""cost""",flag,map\r\n"say ""hi"", then\r\nleave",1.5,true,{}\r\n,0,false,"{""gpt-4o"":2}"\r\n"line\none",0,false,"{""cr\\r"":1}"\r\n',
  );
});

test("the streamed CSV is the same bytes as the whole text, in batches of any size", async () => {
  const rows = randomRows(1_234, random(7));
  const batches = [rows.slice(0, 1), rows.slice(1, 250), [], rows.slice(250)];
  const counts: number[] = [];
  let streamed = "";
  for await (const chunk of csvStream(COLUMNS, batches, (n) => counts.push(n))) streamed += String(chunk);
  expect(streamed).toBe(reference(rows));
  expect(counts).toEqual([1, 250, 1_234]);
});
