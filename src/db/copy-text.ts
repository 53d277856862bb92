/**
 * PostgreSQL's COPY text format: tab-separated fields, `\N` for null, one row a line.
 * Backslash, tab, newline and carriage return inside a value are escaped
 * (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format").
 * Values never hold NUL: ingestion refuses it (src/ingest/fields.ts).
 */
export type CopyValue = string | number | null;

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

export function copyField(value: CopyValue): string {
  if (value === null) return "\\N";
  if (typeof value === "number") return String(value);
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}
