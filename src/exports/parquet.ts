import { open, type FileHandle } from "node:fs/promises";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import type { Column } from "../usage/shared/column.ts";
import type { CellValue } from "./format-cell.ts";
import { parquetSchema, parquetValue, type ParquetValue } from "./parquet-columns.ts";

/** A row whose every field can be written in a cell (as for the CSV). */
type CellRow<Row> = { [K in keyof Row]: CellValue };

/**
 * Rows per row group: readers skip or read a group as a unit, and the writer holds
 * one group's columns (a few MB at this width) before it goes to disk.
 */
const ROWS_PER_GROUP = 10_000;

/** Bytes written to the file at each row group's end (and at the end), never the whole file in memory. */
class FileSink extends ByteWriter {
  constructor(private readonly file: FileHandle) {
    super(64 * 1024);
  }

  async flush(): Promise<void> {
    let start = 0;
    while (start < this.index) {
      const { bytesWritten } = await this.file.write(new Uint8Array(this.buffer, start, this.index - start));
      start += bytesWritten;
    }
    this.index = 0;
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

/**
 * Writes the rows to `path` as a Parquet file with one typed column per CSV
 * column (see parquet-columns.ts), a row group at a time as batches arrive, so
 * memory stays flat; calls `onRow` with the rows written so far after each
 * batch; returns the number of rows.
 */
export async function writeParquet<Row extends CellRow<Row>>(
  path: string,
  columns: readonly Column<Row>[],
  batches: AsyncIterable<readonly Row[]> | Iterable<readonly Row[]>,
  onRow?: (written: number) => void,
): Promise<number> {
  const file = await open(path, "wx", 0o600);
  try {
    const writer = new ParquetWriter({ writer: new FileSink(file), schema: parquetSchema(columns), createdBy: "usage-exports" });
    let group: ParquetValue[][] = columns.map(() => []);
    let buffered = 0;
    const writeGroup = async () => {
      const columnData = columns.map((c, i) => ({ name: c.name, data: group[i] ?? [] }));
      await writer.write({ columnData, rowGroupSize: buffered });
      group = columns.map(() => []);
      buffered = 0;
    };
    let n = 0;
    for await (const batch of batches) {
      for (const row of batch) {
        for (const [i, c] of columns.entries()) group[i]?.push(parquetValue(c.kind, row[c.field]));
        if (++buffered === ROWS_PER_GROUP) await writeGroup();
      }
      n += batch.length;
      if (batch.length > 0) onRow?.(n);
    }
    if (buffered > 0) await writeGroup();
    await writer.finish();
    return n;
  } finally {
    await file.close();
  }
}
