import type { ColumnKind, KeyCount } from "../usage/shared/column.ts";
import { trimDecimal } from "../usage/shared/decimal.ts";

export type CellValue = string | number | boolean | null | undefined | KeyCount[];

// Spreadsheet programs run cells starting with these as formulas (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

/** Renders one value as the text of its CSV cell (quoting is the CSV writer's job). */
export function formatCell(kind: ColumnKind, value: CellValue): string {
  if (value === null || value === undefined) return kind === "int" || kind === "money" ? "0" : kind === "json" ? "{}" : "";
  switch (kind) {
    case "text": {
      const text = String(value);
      return FORMULA_START.test(text) ? `'${text}` : text;
    }
    case "json":
      if (!Array.isArray(value)) throw new TypeError(`A json column holds a ${typeof value}, not key counts`);
      return formatJsonMap(value);
    case "money":
      return trimDecimal(String(value));
    case "bool":
      return value ? "true" : "false";
    default:
      return String(value);
  }
}

/**
 * A compact JSON object whose key order is the given order. Written by hand
 * because JavaScript objects move integer-like keys ("123") to the front.
 */
function formatJsonMap(entries: readonly KeyCount[]): string {
  return `{${entries.map((e) => `${JSON.stringify(e.key)}:${e.count}`).join(",")}}`;
}
