import type { IncomingMessage } from "node:http";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { AppError, badRequest } from "../../errors/app-error.ts";
import { errnoCode, messageOf } from "../../errors/errno.ts";

/** Reads a request body as UTF-8, refusing (413) past `limitBytes` without buffering the rest. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const read of req) {
    // Without an encoding set, a request's chunks are Buffers.
    const chunk = Buffer.isBuffer(read) ? read : Buffer.from(String(read));
    size += chunk.length;
    if (size > limitBytes) {
      req.resume();
      throw tooLarge(limitBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const tooLarge = (limit: number, what = "Request body") =>
  new AppError("PAYLOAD_TOO_LARGE", `${what} is larger than the limit of ${limit} bytes`);

/** A Content-Encoding the service cannot decode: 415, before any of the body is read. */
export class UnsupportedEncodingError extends Error {
  readonly status = 415;
  readonly title = "Unsupported Media Type";
}

export interface EncodedBodyLimits {
  /** The body as the service reads it, after decompression. */
  decodedBytes: number;
  /** The bytes on the wire when the body is compressed. */
  compressedBytes: number;
}

/**
 * Reads a body sent plain or with `Content-Encoding: gzip`. The decoded limit
 * holds whatever the encoding, so a small gzip bomb is refused (413) after
 * inflating at most the limit plus one of zlib's 16 KiB chunks: the inflated
 * bytes are counted as they stream out, never all at once.
 */
export async function readEncodedBody(req: IncomingMessage, limits: EncodedBodyLimits): Promise<string> {
  const encoding = (req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return readBody(req, limits.decodedBytes);
  if (encoding !== "gzip" && encoding !== "x-gzip") {
    req.resume();
    throw new UnsupportedEncodingError(`Content-Encoding "${encoding}" is not supported: send gzip or no Content-Encoding`);
  }
  return readGzipBody(req, limits);
}

async function readGzipBody(req: IncomingMessage, limits: EncodedBodyLimits): Promise<string> {
  const compressedTooLarge = () => tooLarge(limits.compressedBytes, "Compressed request body");
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limits.compressedBytes) {
    req.resume();
    throw compressedTooLarge();
  }
  const chunks: Buffer[] = [];
  let compressed = 0;
  let decoded = 0;
  try {
    await pipeline(
      // Not destroyed when the pipeline stops early: the request must stay open for the answer.
      req.iterator({ destroyOnReturn: false }),
      async function* countCompressed(source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          compressed += chunk.length;
          if (compressed > limits.compressedBytes) throw compressedTooLarge();
          yield chunk;
        }
      },
      createGunzip(),
      async function collectDecoded(inflated: AsyncIterable<Buffer>) {
        for await (const chunk of inflated) {
          decoded += chunk.length;
          // Throwing here destroys the gunzip stream: nothing more is inflated.
          if (decoded > limits.decodedBytes) throw tooLarge(limits.decodedBytes, "Decompressed request body");
          chunks.push(chunk);
        }
      },
    );
  } catch (error) {
    req.resume();
    if (isZlibError(error)) throw badRequest(`The request body is not valid gzip: ${error.message}`);
    throw error;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** zlib's errors (bad header, bad data, cut short) carry a `Z_…` code. */
function isZlibError(error: unknown): error is Error {
  return errnoCode(error)?.startsWith("Z_") ?? false;
}

/** Parses JSON, naming the problem (400) instead of throwing a SyntaxError. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("BAD_REQUEST", `Malformed JSON body: ${messageOf(error)}`);
  }
}
