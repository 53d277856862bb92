/**
 * PostgreSQL's COPY text format: tab-separated fields, `\N` for null, one row a line.
 * Backslash, tab, newline and carriage return inside a value are escaped
 * (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format").
 * Values never hold NUL: ingestion refuses it (src/ingest/fields.ts).
 */
const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One text field (numbers need no escaping and are written as they print). */
export function copyField(value: string | null): string {
  if (value === null) return "\\N";
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}
