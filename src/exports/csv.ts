import { Readable } from "node:stream";
import type { Column } from "../usage/shared/column.ts";
import { formatCell, type CellValue } from "./format-cell.ts";

/**
 * RFC 4180 with CRLF, quoting only the cells that need it: a cell holding a quote,
 * a comma or a line break is quoted, its quotes doubled. Written here rather than
 * with csv-stringify, whose per-field options and casts took 4 of a 1M-row export's
 * 22 seconds (BENCHMARKS.md); test/exports/csv.test.ts checks the bytes against it.
 */
const NEEDS_QUOTES = /[",\r\n]/;
const RECORD_END = "\r\n";

function csvCell(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV row whose every field can be written in a CSV cell. */
type CsvRow<Row> = { [K in keyof Row]: CellValue };

/** Rows per written chunk: at a few hundred bytes a row, well under 128 kB. */
const ROWS_PER_CHUNK = 100;

/** One row's record: its cells formatted in column order (a string built in place: this runs once per exported row). */
function csvRow<Row extends CsvRow<Row>>(columns: readonly Column<Row>[], row: Row): string {
  let line = "";
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i];
    if (c === undefined) continue;
    const cell = csvCell(formatCell(c.kind, row[c.field]));
    line += i === 0 ? cell : `,${cell}`;
  }
  return line + RECORD_END;
}

const headerRecord = <Row>(columns: readonly Column<Row>[]) => columns.map((c) => csvCell(c.name)).join(",") + RECORD_END;

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
    yield headerRecord(columns);
    let n = 0;
    for await (const batch of batches) {
      for (let i = 0; i < batch.length; i += ROWS_PER_CHUNK) {
        let chunk = "";
        for (const row of batch.slice(i, i + ROWS_PER_CHUNK)) chunk += csvRow(columns, row);
        yield chunk;
      }
      n += batch.length;
      if (batch.length > 0) onRow?.(n);
    }
  };
  return Readable.from(chunks());
}

/** The whole CSV as text, header first (small outputs such as the CLI's standard output; files use csvStream). */
export function csvText<Row extends CsvRow<Row>>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  let text = headerRecord(columns);
  for (const row of rows) text += csvRow(columns, row);
  return text;
}
