import { stringify } from "csv-stringify";
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import type { Column } from "./columns/column.ts";
import { formatCell, type CellValue } from "./format-cell.ts";

/** RFC 4180 with CRLF; csv-stringify quotes only the cells that need it. */
const CSV_OPTIONS = { record_delimiter: "\r\n" } as const;

/** The formatted cells of one row, in column order. */
export function csvCells<Row>(columns: readonly Column<Row>[], row: Row): string[] {
  return columns.map((c) => formatCell(c.kind, row[c.field] as CellValue));
}

/** Renders a whole CSV in memory (tests, small files). */
export async function renderCsv<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): Promise<string> {
  const chunks: string[] = [];
  await pipeline(csvStream(columns, rows), async (source: AsyncIterable<Buffer | string>) => {
    for await (const chunk of source) chunks.push(chunk.toString());
  });
  return chunks.join("");
}

/** Writes the CSV to `path`, calling `onRow` after each row (for progress). */
export async function writeCsv<Row>(
  path: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  onRow?: (written: number) => void,
): Promise<void> {
  await pipeline(csvStream(columns, rows, onRow), createWriteStream(path, { flags: "wx" }));
}

function csvStream<Row>(columns: readonly Column<Row>[], rows: readonly Row[], onRow?: (n: number) => void) {
  const records = async function* () {
    yield columns.map((c) => c.name);
    let n = 0;
    for (const row of rows) {
      yield csvCells(columns, row);
      onRow?.(++n);
    }
  };
  return Readable.from(records()).pipe(stringify(CSV_OPTIONS));
}
