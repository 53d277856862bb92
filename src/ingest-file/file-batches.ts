import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/** Where reading starts (or resumes): a byte offset in the text (decompressed, for gzip) at a line's start, and the lines before it. */
export interface FilePosition {
  offset: number;
  line: number;
}

export interface Batch {
  /** The batch's lines, blank ones included, so each keeps its line number in the file. */
  lines: string[];
  /** The file's line number (1-based) of `lines[0]`. */
  firstLine: number;
  /** Non-blank lines: the records the batch holds. */
  records: number;
  /** Just after the batch's last line: where the next batch (or a resumed run) starts. */
  end: FilePosition;
  /** Bytes of the file read so far (compressed bytes, for gzip): for a progress bar over the file's size. */
  fileBytesRead: number;
}

export interface BatchLimits {
  /** Records per batch at most. */
  records: number;
  /** The sum of `cost(line)` per batch at most: how the batch's size is measured on its way. */
  bytes: number;
  cost(line: string): number;
}

/** A line no batch can hold: too long for one record, or not NDJSON at all. */
export class LineTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`line ${line} is longer than ${limit} bytes: one record per line is expected (NDJSON)`);
  }
}

/** No record is anywhere near this; a longer line means the file is not NDJSON (e.g. one big JSON array). */
const MAX_LINE_BYTES = 1024 * 1024;
const GZIP_MAGIC = [0x1f, 0x8b];

/** Gzip by its extension or, whatever the name, by its first two bytes. */
async function isGzipFile(path: string): Promise<boolean> {
  if (path.endsWith(".gz")) return true;
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/**
 * Reads an NDJSON file (plain or gzip) as a stream of batches, from `start`.
 * Lines are split on the newline byte, which never occurs inside a UTF-8
 * sequence, so offsets are exact byte counts. A plain file resumes by seeking;
 * gzip has no random access, so it is inflated from the start and the lines
 * before `start` are skipped unparsed.
 */
export async function* readBatches(path: string, start: FilePosition, limits: BatchLimits): AsyncGenerator<Batch> {
  const gzip = await isGzipFile(path);
  const file = createReadStream(path, gzip ? {} : { start: start.offset });
  const text: Readable = gzip ? file.pipe(createGunzip()) : file;
  // A gzip error surfaces on the gunzip stream; a read error on the file must reach it too.
  if (gzip) file.on("error", (error) => text.destroy(error));
  const fileBytesRead = () => (gzip ? 0 : start.offset) + file.bytesRead;

  let offset = gzip ? 0 : start.offset;
  let line = start.line;
  let batch: Batch = emptyBatch(line + 1);
  let batchBytes = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  /** Adds one complete line; returns a batch when one is full. */
  const add = (bytes: Buffer, length: number): Batch | null => {
    offset += length;
    if (offset <= start.offset) return null; // before the resume point (gzip only)
    line++;
    let content = bytes.toString("utf8");
    if (line === 1) content = content.replace(/^\uFEFF/, "");
    const cost = limits.cost(content);
    if (cost > limits.bytes) throw new LineTooLongError(line, cost, limits.bytes);
    let full: Batch | null = null;
    if (batch.lines.length > 0 && batchBytes + cost > limits.bytes) {
      full = batch;
      batch = emptyBatch(line);
      batchBytes = 0;
    }
    batch.lines.push(content);
    batchBytes += cost;
    if (content.trim() !== "") batch.records++;
    batch.end = { offset, line };
    if (!full && batch.records >= limits.records) {
      full = batch;
      batch = emptyBatch(line + 1);
      batchBytes = 0;
    }
    return full;
  };

  try {
    for await (const read of text) {
      // Neither stream has an encoding set: its chunks are Buffers.
      const chunk = Buffer.isBuffer(read) ? read : Buffer.from(String(read));
      let from = 0;
      for (let nl = chunk.indexOf(0x0a, from); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
        const piece = chunk.subarray(from, nl);
        const bytes = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
        pending = [];
        pendingBytes = 0;
        from = nl + 1;
        const full = add(bytes, bytes.length + 1);
        if (full) yield { ...full, fileBytesRead: fileBytesRead() };
      }
      if (from < chunk.length) {
        pending.push(chunk.subarray(from));
        pendingBytes += chunk.length - from;
        if (pendingBytes > MAX_LINE_BYTES) throw new LineTooLongError(line + 1, pendingBytes, MAX_LINE_BYTES);
      }
    }
    if (pendingBytes > 0) {
      // The last line, without a newline after it.
      const bytes = Buffer.concat(pending);
      const full = add(bytes, bytes.length);
      if (full) yield { ...full, fileBytesRead: fileBytesRead() };
    }
    if (batch.lines.length > 0) yield { ...batch, fileBytesRead: fileBytesRead() };
  } finally {
    text.destroy();
    file.destroy();
  }
}

function emptyBatch(firstLine: number): Batch {
  return { lines: [], firstLine, records: 0, end: { offset: 0, line: firstLine - 1 }, fileBytesRead: 0 };
}
