import { stringify } from "csv-stringify/sync";
import { Readable } from "node:stream";
import type { Column } from "../usage/shared/column.ts";
import { formatCell, type CellValue } from "./format-cell.ts";

/** RFC 4180 with CRLF; csv-stringify quotes only the cells that need it. */
const CSV_OPTIONS = { record_delimiter: "\r\n" } as const;
/** A row whose every field can be written in a CSV cell. */
type CsvRow<Row> = { [K in keyof Row]: CellValue };

/** Rows per written chunk: at a few hundred bytes a row, well under 128 kB. */
const ROWS_PER_CHUNK = 100;

/** The formatted cells of one row, in column order. */
function csvCells<Row extends CsvRow<Row>>(columns: readonly Column<Row>[], row: Row): string[] {
  return columns.map((c) => formatCell(c.kind, row[c.field]));
}

/**
 * The CSV's bytes from batches of rows as they arrive (a stream keeps memory
 * flat), calling `onRow` with the rows written so far after each batch.
 */
export function csvStream<Row extends CsvRow<Row>>(
  columns: readonly Column<Row>[],
  batches: AsyncIterable<readonly Row[]> | Iterable<readonly Row[]>,
  onRow?: (n: number) => void,
): Readable {
  // Rows are formatted a slice at a time: per-row stream chunks cost more than the
  // formatting itself, and a whole batch as one string lands in V8's large-object
  // space (> 128 kB), which only a full GC frees: a 1M-row export's RSS swung by 150 MB.
  const chunks = async function* () {
    yield stringify([columns.map((c) => c.name)], CSV_OPTIONS);
    let n = 0;
    for await (const batch of batches) {
      for (let i = 0; i < batch.length; i += ROWS_PER_CHUNK)
        yield stringify(
          batch.slice(i, i + ROWS_PER_CHUNK).map((row) => csvCells(columns, row)),
          CSV_OPTIONS,
        );
      n += batch.length;
      if (batch.length > 0) onRow?.(n);
    }
  };
  return Readable.from(chunks());
}

/** The whole CSV as text, header first (small outputs such as the CLI's standard output; files use csvStream). */
export function csvText<Row extends CsvRow<Row>>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  return stringify([columns.map((c) => c.name), ...rows.map((row) => csvCells(columns, row))], CSV_OPTIONS);
}
