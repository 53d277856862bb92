import type { Prisma } from "../../generated/prisma/client.ts";
import type { Database } from "../../db/client.ts";
import { cursorBatches } from "../../db/cursor.ts";
import type { UsageQueryInput } from "./query-input.ts";

/** A data type's rows as one SQL statement (in export order) and the mapping of its result rows. */
export interface UsageQuery<Row> {
  sql(input: UsageQueryInput): Prisma.Sql;
  toRows(input: UsageQueryInput, sqlRows: unknown[]): Row[];
}

/** Binds a query's SQL to the shape its author declared for the result (`SqlRow`). */
export function usageQuery<SqlRow, Row>(def: {
  sql(input: UsageQueryInput): Prisma.Sql;
  toRow(input: UsageQueryInput): (r: SqlRow) => Row;
}): UsageQuery<Row> {
  return { sql: def.sql, toRows: (input, sqlRows) => (sqlRows as SqlRow[]).map(def.toRow(input)) };
}

/** All rows at once (GraphQL pages, scheduled report summaries). */
export async function queryRows<Row>(db: Database, query: UsageQuery<Row>, input: UsageQueryInput): Promise<Row[]> {
  return query.toRows(input, await db.read<unknown>(query.sql(input)));
}

/** Rows batch by batch through a cursor (exports: memory stays flat however many rows). */
export async function* streamRows<Row>(
  db: Database,
  query: UsageQuery<Row>,
  input: UsageQueryInput,
  opts: { batchSize?: number; onTotal?: (rows: number) => void } = {},
): AsyncGenerator<Row[], void, undefined> {
  const batches = cursorBatches<unknown>(db, query.sql(input), opts.batchSize ?? 1_000, { onTotal: opts.onTotal });
  for await (const batch of batches) yield query.toRows(input, batch);
}
