import type { Column } from "../usage/shared/column.ts";
import type { CellValue } from "./format-cell.ts";
import { parquetSchema, parquetValue, type ParquetValue } from "./parquet-columns.ts";

/** A row whose every field can be written in a cell (as for the CSV). */
type CellRow<Row> = { [K in keyof Row]: CellValue };

/**
 * Rows per row group: readers skip or read a group as a unit, and the writer holds
 * one group's columns (a few MB at this width) before it goes to the store.
 */
const ROWS_PER_GROUP = 10_000;

/**
 * Collects what the writer encodes; parquetStream hands it on after each row
 * group and at the end. Made per file from the loaded package's ByteWriter.
 */
function chunkSink(ByteWriter: typeof import("hyparquet-writer").ByteWriter) {
  return new (class ChunkSink extends ByteWriter {
    private chunks: Uint8Array[] = [];

    constructor() {
      super(64 * 1024);
    }

    flush(): void {
      if (this.index === 0) return;
      // A copy: the writer reuses its buffer for the next row group.
      this.chunks.push(new Uint8Array(this.buffer.slice(0, this.index)));
      this.index = 0;
    }

    override finish(): void {
      this.flush();
    }

    /** The bytes encoded since the last call. */
    take(): Uint8Array[] {
      return this.chunks.splice(0);
    }
  })();
}

/**
 * The rows as a Parquet file's bytes, with one typed column per CSV column (see
 * parquet-columns.ts), a row group at a time as batches arrive, so memory stays
 * flat; calls `onRow` with the rows written so far after each batch.
 */
export async function* parquetStream<Row extends CellRow<Row>>(
  columns: readonly Column<Row>[],
  batches: AsyncIterable<readonly Row[]> | Iterable<readonly Row[]>,
  onRow?: (written: number) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  // Loaded on use: most exports are CSV, and every process (the CLI's too) would load it.
  const { ByteWriter, ParquetWriter } = await import("hyparquet-writer");
  const sink = chunkSink(ByteWriter);
  const writer = new ParquetWriter({ writer: sink, schema: parquetSchema(columns), createdBy: "usage-exports" });
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
      if (++buffered === ROWS_PER_GROUP) {
        await writeGroup();
        yield* sink.take();
      }
    }
    n += batch.length;
    if (batch.length > 0) onRow?.(n);
  }
  if (buffered > 0) await writeGroup();
  await writer.finish();
  yield* sink.take();
}
