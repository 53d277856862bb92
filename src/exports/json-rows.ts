import { AppError } from "../errors/app-error.ts";
import type { Column, ColumnKind } from "../usage/shared/column.ts";
import type { ExportTypeName } from "../usage/shared/data-types.ts";
import type { Database } from "../db/client.ts";
import { type ExportRequest, readExportUsage } from "./create-export.ts";
import { formatCell, type CellValue } from "./format-cell.ts";

/**
 * The most rows a JSON answer carries. The whole answer is built in memory and
 * parsed whole by the client: 10,000 rows of the widest type (users, ~40 columns)
 * is a few MB, which a client parses in well under a second; most workspaces'
 * users, agents and projects fit. Larger periods belong in a streamed file (CSV or
 * Parquet) or an async job, which the 413 names.
 */
export const JSON_ROW_LIMIT = 10_000;

/** A row whose every field can be written in a cell (as for the CSV). */
type CellRow<Row> = { [K in keyof Row]: CellValue };

/** The JSON answer's `data`; each row is already JSON text (see `jsonRow`). */
export interface JsonRows<N extends ExportTypeName> {
  dataType: N;
  recordCount: number;
  dateRange: { from: string; to: string };
  columns: string[];
  rows: string[];
}

/**
 * A period's rows as JSON objects, read through the same `readUsage` batches as
 * the CSV (one query, the CSV's columns and order): 404 without usage, 413 past
 * `rowLimit` rows (the cursor is closed as soon as the limit is passed).
 */
export async function readJsonRows<N extends ExportTypeName>(
  app: { db: Database },
  request: Omit<ExportRequest<N>, "format">,
  rowLimit: number = JSON_ROW_LIMIT,
): Promise<JsonRows<N>> {
  const usage = await readExportUsage(app, request);
  const rows: string[] = [];
  for await (const batch of usage.batches()) {
    for (const row of batch) {
      if (rows.length === rowLimit) throw tooManyRows(request.dataType, rowLimit);
      rows.push(jsonRow(usage.columns, row));
    }
  }
  const { period } = request;
  return {
    dataType: request.dataType,
    recordCount: rows.length,
    dateRange: { from: period.from.toISOString(), to: period.to.toISOString() },
    columns: usage.columns.map((c) => c.name),
    rows,
  };
}

const tooManyRows = (type: ExportTypeName, limit: number) =>
  new AppError(
    "PAYLOAD_TOO_LARGE",
    `This export has more than ${limit} rows, the most a JSON answer carries: ` +
      `request it as a file with POST /export/${type} (CSV, or Parquet with "format": "parquet"), ` +
      "or as an async job (header Prefer: respond-async)",
  );

/** `{ success: true, data }` as JSON text; the rows go in as written, keeping their key order and decimal digits. */
export function jsonRowsBody(data: JsonRows<ExportTypeName>): string {
  const { rows, ...head } = data;
  const headText = JSON.stringify(head);
  return `{"success":true,"data":${headText.slice(0, -1)},"rows":[${rows.join(",")}]}}`;
}

/**
 * One row as a JSON object keyed by column name, written by hand: JavaScript
 * objects would move integer-like keys of a JSON-map column to the front, and
 * `JSON.stringify` of a parsed number could lose a decimal's digits.
 */
function jsonRow<Row extends CellRow<Row>>(columns: readonly Column<Row>[], row: Row): string {
  return `{${columns.map((c) => `${JSON.stringify(c.name)}:${jsonValue(c.kind, row[c.field])}`).join(",")}}`;
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * A value's JSON text, derived from its CSV cell so the two cannot disagree:
 * `null` where the cell is empty; integers as numbers; money, averages and
 * ratios as number literals holding the cell's exact digits (`12.50`, `0.000123`);
 * booleans; JSON maps as the cell's object text; dates as `"YYYY-MM-DD"`; text as
 * stored (without the CSV's formula-escaping `'`).
 */
function jsonValue(kind: ColumnKind, value: CellValue): string {
  const cell = formatCell(kind, value);
  if (cell === "") return "null";
  switch (kind) {
    case "int":
      return checked(cell, INTEGER);
    case "money":
    case "average":
    case "ratio":
      return checked(cell, DECIMAL);
    case "bool":
    case "json":
      return cell;
    case "text":
      return JSON.stringify(String(value));
    default:
      return JSON.stringify(cell);
  }
}

/** A number's cell must already be a JSON number literal: a NaN or an exponent never reaches the answer. */
function checked(cell: string, shape: RegExp): string {
  if (!shape.test(cell)) throw new TypeError(`"${cell}" is not a JSON number literal`);
  return cell;
}
