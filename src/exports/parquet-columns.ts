import type { SchemaElement } from "hyparquet-writer";
import type { Column, ColumnKind } from "../usage/shared/column.ts";
import { formatCell, type CellValue } from "./format-cell.ts";

// How each column kind is typed in a Parquet file. Every value is derived from the
// CSV cell of the same row and column, so the two files cannot disagree:
//   int            INT64, 0 where the CSV writes 0 for a missing count
//   money          DECIMAL(18, 6) on INT64: exact, the CSV's up-to-6 decimals
//   average        DECIMAL(18, 2); ratio DECIMAL(18, 4): the CSV's digits exactly
//                  (a DOUBLE would turn 0.1 into 0.1000000000000000055…); null where the CSV cell is empty
//   date           DATE (days since 1970-01-01)
//   bool           BOOLEAN
//   text           UTF8 string, as stored (the CSV's formula-escaping `'` is a spreadsheet concern)
//   json           UTF8 text of the CSV's compact JSON object, keys in the CSV's order
// A cell the CSV leaves empty is null.

/** The most digits an INT64 decimal holds. */
const DECIMAL_PRECISION = 18;
/** Decimal places per decimal kind, as the CSV writes them. */
const DECIMAL_SCALE = { money: 6, average: 2, ratio: 4 } as const;
const DAY_MS = 86_400_000;

/** One value as the Parquet writer takes it for its column's type. */
export type ParquetValue = string | number | bigint | boolean | null;

/** The file's schema: a root, then one leaf per column in CSV order. */
export function parquetSchema<Row>(columns: readonly Column<Row>[]): SchemaElement[] {
  return [{ name: "root", num_children: columns.length }, ...columns.map((c) => schemaElement(c.name, c.kind))];
}

function schemaElement(name: string, kind: ColumnKind): SchemaElement {
  switch (kind) {
    case "int":
      return { name, type: "INT64", repetition_type: "REQUIRED" };
    case "money":
    case "average":
    case "ratio":
      return {
        name,
        type: "INT64",
        converted_type: "DECIMAL",
        scale: DECIMAL_SCALE[kind],
        precision: DECIMAL_PRECISION,
        repetition_type: kind === "money" ? "REQUIRED" : "OPTIONAL",
      };
    case "date":
      return { name, type: "INT32", converted_type: "DATE", repetition_type: "OPTIONAL" };
    case "bool":
      return { name, type: "BOOLEAN", repetition_type: "OPTIONAL" };
    default:
      return { name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" };
  }
}

/** A row's value for its column's Parquet type, read from the CSV cell it would be written as. */
export function parquetValue(kind: ColumnKind, value: CellValue): ParquetValue {
  const cell = formatCell(kind, value);
  if (cell === "") return null;
  switch (kind) {
    case "int":
      return BigInt(cell);
    case "money":
    case "average":
    case "ratio":
      return unscaledDecimal(cell, DECIMAL_SCALE[kind]);
    case "date":
      return Date.parse(`${cell}T00:00:00Z`) / DAY_MS;
    case "bool":
      return cell === "true";
    case "text":
      return String(value);
    default:
      return cell;
  }
}

/** `"12.5"` at scale 2 → `1250n`: the decimal's digits as an integer, without a float in between. */
function unscaledDecimal(text: string, scale: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  const fraction = match?.[3] ?? "";
  if (!match || fraction.length > scale) throw new RangeError(`"${text}" is not a decimal with at most ${scale} places`);
  return BigInt(`${match[1]}${match[2]}${fraction.padEnd(scale, "0")}`);
}
