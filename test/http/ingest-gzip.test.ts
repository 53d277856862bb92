import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, test } from "vitest";
import type { AppContext } from "../../src/runtime/context.ts";
import { readEncodedBody } from "../../src/http/shared/body.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startIngestServer } from "../helpers/http.ts";

const DECODED_LIMIT = 4_096;
const COMPRESSED_LIMIT = 2_048;
let app: AppContext;
let baseUrl: string;
let workspaceId: string;

/** handleIngest alone on a loopback port, with small limits (authentication is the router's job). */
beforeAll(async () => {
  const db = await testDatabase();
  workspaceId = `ws_${randomUUID()}`;
  await db.prisma.workspace.create({ data: { id: workspaceId, name: "Gzip ingestion" } });
  app = testApp(db, {
    now: new Date("2024-06-15T10:00:00.000Z"),
    env: { INGEST_BODY_LIMIT_BYTES: String(DECODED_LIMIT), INGEST_COMPRESSED_LIMIT_BYTES: String(COMPRESSED_LIMIT) },
  });
  baseUrl = await startIngestServer(app, workspaceId);
});

const msg = (id: string) =>
  `{"type":"message","id":"${id}","occurredAt":"2024-06-01T12:00:00Z","userId":"u1","surface":"chat","model":"gpt-4o","provider":"openai","source":"WEB"}`;

async function post(body: Buffer<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>>, encoding: string | null) {
  // `duplex` (Node's fetch needs it for a stream body) is not in the DOM's RequestInit.
  const init: RequestInit & { duplex?: "half" } = {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", ...(encoding ? { "content-encoding": encoding } : {}) },
    body,
    // A stream is sent chunked, without Content-Length: only the running counts can stop it.
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  };
  const res = await fetch(`${baseUrl}/ingest`, init);
  const answer: unknown = await res.json();
  return { status: res.status, body: answer };
}

/** `chunks` as a stream body, one chunk per pull. */
function streamOf(chunks: Buffer<ArrayBuffer>[]): ReadableStream<Uint8Array<ArrayBuffer>> {
  const next = chunks[Symbol.iterator]();
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      const chunk = next.next();
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
  });
}

const stored = () => app.db.prisma.usageRecord.count({ where: { workspaceId } });

/** Expects the refusal and that the batch stored nothing. */
async function expectRefused(send: Promise<{ status: number; body: unknown }>, status: number, body: unknown) {
  const before = await stored();
  expect(await send).toEqual({ status, body });
  expect(await stored()).toBe(before);
}

/**
 * Gzip of `mib` MiB of spaces, compressed about 1000:1: one 1 MiB member repeated
 * (gunzip reads concatenated members as one stream), so it is never held inflated here.
 */
function gzipBomb(mib: number): Buffer<ArrayBuffer> {
  const member = gzipSync(Buffer.alloc(1024 * 1024, 0x20), { level: 9 });
  return Buffer.concat(Array.from({ length: mib }, () => member));
}

describe("POST /ingest with Content-Encoding: gzip", () => {
  test("a gzip NDJSON body is stored like a plain one", async () => {
    const body = gzipSync(`${msg("g1")}\n${msg("g2")}\n`);
    expect(await post(body, "gzip")).toEqual({ status: 200, body: { accepted: 2, duplicates: 0 } });
    expect(await post(gzipSync(`${msg("g2")}\n${msg("g3")}`), "x-gzip")).toEqual({ status: 200, body: { accepted: 1, duplicates: 1 } });
    expect(await post(Buffer.from(msg("g4")), "identity")).toEqual({ status: 200, body: { accepted: 1, duplicates: 0 } });
  });

  test("the body limit applies to the decompressed size", async () => {
    const lines = Array.from({ length: 40 }, (_, i) => msg(`over${i}`)).join("\n");
    const body = gzipSync(lines);
    expect([body.length < COMPRESSED_LIMIT, Buffer.byteLength(lines) > DECODED_LIMIT]).toEqual([true, true]);
    await expectRefused(post(body, "gzip"), 413, {
      error: "Payload Too Large",
      message: `Decompressed request body is larger than the limit of ${DECODED_LIMIT} bytes`,
    });
  });

  test("a gzip bomb is refused with 413, declared length or streamed", async () => {
    const refusal = { error: "Payload Too Large", message: `Decompressed request body is larger than the limit of ${DECODED_LIMIT} bytes` };
    // Under the compressed limit: only the decompressed count can refuse it.
    const small = gzipBomb(1);
    expect(small.length).toBeLessThan(COMPRESSED_LIMIT);
    await expectRefused(post(small, "gzip"), 413, refusal);
    await expectRefused(post(streamOf([small]), "gzip"), 413, refusal);
  });

  test("a compressed body over its own limit is refused before it is inflated, declared length or streamed", async () => {
    const noise = gzipSync(randomBytes(COMPRESSED_LIMIT * 2));
    const refusal = {
      error: "Payload Too Large",
      message: `Compressed request body is larger than the limit of ${COMPRESSED_LIMIT} bytes`,
    };
    await expectRefused(post(noise, "gzip"), 413, refusal);
    const chunks = [noise.subarray(0, 1_000), noise.subarray(1_000, 2_000), noise.subarray(2_000)];
    await expectRefused(post(streamOf(chunks), "gzip"), 413, refusal);
  });

  test("a corrupt or cut-short gzip body is a 400 naming the problem", async () => {
    await expectRefused(post(Buffer.from(msg("plain-but-labelled-gzip")), "gzip"), 400, {
      error: "Bad Request",
      message: "The request body is not valid gzip: incorrect header check",
    });
    const whole = gzipSync(`${msg("cut1")}\n${msg("cut2")}`);
    await expectRefused(post(whole.subarray(0, whole.length - 12), "gzip"), 400, {
      error: "Bad Request",
      message: "The request body is not valid gzip: unexpected end of file",
    });
    const flipped = Buffer.from(whole);
    flipped[flipped.length - 6]! ^= 0xff; // the CRC-32 trailer no longer matches the data
    await expectRefused(post(flipped, "gzip"), 400, {
      error: "Bad Request",
      message: "The request body is not valid gzip: incorrect data check",
    });
  });

  test("an unknown Content-Encoding is a 415", async () => {
    await expectRefused(post(Buffer.from(msg("br1")), "br"), 415, {
      error: "Unsupported Media Type",
      message: 'Content-Encoding "br" is not supported: send gzip or no Content-Encoding',
    });
    await expectRefused(post(gzipSync(gzipSync(msg("twice"))), "gzip, gzip"), 415, {
      error: "Unsupported Media Type",
      message: 'Content-Encoding "gzip, gzip" is not supported: send gzip or no Content-Encoding',
    });
  });
});

describe("readEncodedBody", () => {
  test("stops inflating a bomb at the limit: it reads only the first compressed chunks", async () => {
    // 1 GiB of spaces, about 1 MB compressed, served in 16 KiB chunks, each ~16 MB inflated.
    const bomb = gzipBomb(1024);
    const chunks = Array.from({ length: Math.ceil(bomb.length / 16_384) }, (_, i) => bomb.subarray(i * 16_384, (i + 1) * 16_384));
    let pulled = 0;
    const stream = Object.assign(
      Readable.from(
        (function* () {
          for (const chunk of chunks) {
            pulled++;
            yield chunk;
          }
        })(),
      ),
      { headers: { "content-encoding": "gzip" } },
    );
    // biome-ignore lint/nursery/noUnsafeTypeAssertion: a Readable with headers stands in for the request (readEncodedBody reads only its headers and its stream); a real IncomingMessage needs a socket.
    const req = stream as unknown as IncomingMessage;
    const started = Date.now();
    await expect(readEncodedBody(req, { decodedBytes: 1024 * 1024, compressedBytes: 16 * 1024 * 1024 })).rejects.toThrow(
      "Decompressed request body is larger than the limit of 1048576 bytes",
    );
    expect(chunks.length).toBeGreaterThan(50);
    expect(pulled).toBeLessThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
