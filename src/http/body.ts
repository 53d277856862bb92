import type { IncomingMessage } from "node:http";
import { AppError } from "../errors/app-error.ts";

/** Reads a request body as UTF-8, refusing (413) past `limitBytes` without buffering the rest. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) {
      req.resume();
      throw tooLarge(limitBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const tooLarge = (limit: number) =>
  new AppError("PAYLOAD_TOO_LARGE", `Request body is larger than the limit of ${limit} bytes`);

/** Parses JSON, naming the problem (400) instead of throwing a SyntaxError. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("BAD_REQUEST", `Malformed JSON body: ${(error as Error).message}`);
  }
}
