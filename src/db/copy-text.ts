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

/**
 * COPY text built as bytes, a row at a time. A batch's text made as one string
 * is a rope of a hundred thousand pieces that must be flattened and then
 * encoded whole before it can be sent (a third of ingestion's CPU with the
 * garbage it leaves); a row encoded as it is made is small and short-lived.
 */
export class CopyBytes {
  private buffer: Buffer<ArrayBuffer>;
  private length = 0;

  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(expectedBytes, 1024));
  }

  /** Appends one row's text (its fields already escaped with copyField, ending in a newline). */
  push(row: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const room = row.length * 3;
    if (this.length + room > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + room));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(row, this.length, "utf8");
  }

  bytes(): Buffer<ArrayBuffer> {
    return this.buffer.subarray(0, this.length);
  }
}
