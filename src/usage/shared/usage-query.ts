import type { Prisma } from "../../generated/prisma/client.ts";
import type { Reads } from "../../db/client.ts";
import { cursorBatches } from "../../db/cursor.ts";
import type { UsageQueryInput } from "./query-input.ts";

type BatchOptions = { batchSize?: number; onTotal?: (rows: number) => void };

/**
 * A data type's rows, read by one SQL statement (in export order) and mapped row
 * by row. `db` is the caller's choice: usage reads pass `Database.replica`.
 */
export interface UsageQuery<Row> {
  /** All rows at once. */
  read(db: Pick<Reads, "read">, input: UsageQueryInput): Promise<Row[]>;
  /** Rows batch by batch through a cursor. */
  readBatches(db: Reads, input: UsageQueryInput, opts: BatchOptions): AsyncGenerator<Row[], void, undefined>;
}

/** Binds a query's SQL to the shape its author declared for the result (`SqlRow`, read through the driver's typed `read<Row>`). */
export function usageQuery<SqlRow, Row>(def: {
  sql(input: UsageQueryInput): Prisma.Sql;
  toRow(input: UsageQueryInput): (r: SqlRow) => Row;
  /**
   * Whether an export's cursor reads the result computed first, with parallel
   * workers (src/db/parallel-cursor.ts): worth it where many records aggregate
   * into few rows (the 12-month agents export, 1.9 → 1.3 s); not for a row per
   * member, which gained nothing and would be materialized once more (a
   * 1M-member users export took 1.3 s longer).
   */
  parallel: boolean;
}): UsageQuery<Row> {
  return {
    read: async (db, input) => (await db.read<SqlRow>(def.sql(input))).map(def.toRow(input)),
    async *readBatches(db, input, opts) {
      const toRow = def.toRow(input);
      const batches = cursorBatches<SqlRow>(db, def.sql(input), opts.batchSize ?? 1_000, {
        onTotal: opts.onTotal,
        parallel: def.parallel,
      });
      for await (const batch of batches) yield batch.map(toRow);
    },
  };
}

/** All rows at once (GraphQL pages, scheduled report summaries). */
export async function queryRows<Row>(db: Pick<Reads, "read">, query: UsageQuery<Row>, input: UsageQueryInput): Promise<Row[]> {
  return query.read(db, input);
}

/** Rows batch by batch through a cursor (exports: memory stays flat however many rows). */
export async function* streamRows<Row>(
  db: Reads,
  query: UsageQuery<Row>,
  input: UsageQueryInput,
  opts: BatchOptions = {},
): AsyncGenerator<Row[], void, undefined> {
  yield* query.readBatches(db, input, opts);
}
