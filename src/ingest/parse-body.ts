import { AppError, badRequest } from "../errors/app-error.ts";
import { messageOf } from "../errors/errno.ts";
import { yieldToEventLoop } from "./event-loop.ts";
import { isJson } from "./json-syntax.ts";
import { ProblemList } from "./problems.ts";

export interface ParsedBody {
  records: unknown[];
  /** How record i is named in problems: `line N` (NDJSON) or `record N` (JSON array). */
  label: (index: number) => string;
}

const NDJSON = "application/x-ndjson";
const JSON_TYPE = "application/json";
const NO_RECORDS = "The request body holds no records";
/** NDJSON lines parsed between yields to the event loop (~5 ms). */
const PARSE_SLICE = 10_000;

/**
 * Splits an ingestion body into records. NDJSON records keep the line number
 * they have in the body (blank lines are skipped but counted), so a client can
 * find the line a problem names; every unparseable line is reported at once
 * (the first 100, then a count of the rest).
 */
export async function parseIngestBody(contentType: string | undefined, body: string): Promise<ParsedBody> {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== NDJSON && type !== JSON_TYPE)
    throw new AppError(
      "BAD_REQUEST",
      `Content-Type "${type || "(none)"}" is not supported: send ${NDJSON} (one record per line) or ${JSON_TYPE} (an array of records)`,
    );
  const text = body.replace(/^\uFEFF/, "");
  if (text.trim() === "") throw badRequest(NO_RECORDS);
  return type === NDJSON ? parseNdjson(text) : parseJsonArray(text);
}

async function parseNdjson(text: string): Promise<ParsedBody> {
  const records: unknown[] = [];
  /** The 1-based line of each record (numbers, not label strings: a body may hold millions of lines). */
  const lines: number[] = [];
  const problems = new ProblemList();
  const all = text.split("\n");
  for (let i = 0; i < all.length; i++) {
    if (i > 0 && i % PARSE_SLICE === 0) await yieldToEventLoop();
    const line = all[i]!;
    if (line.trim() === "") continue;
    if (problems.size === 0) {
      try {
        records.push(JSON.parse(line));
        lines.push(i + 1);
        continue;
      } catch {
        // reported below
      }
    } else if (isJson(line)) continue; // the body is refused anyway: only bad lines still count
    problems.add(i, "not valid JSON");
  }
  if (problems.size > 0) throw problems.refusal((i) => `line ${i + 1}`);
  return { records, label: (index) => `line ${lines[index]}` };
}

function parseJsonArray(text: string): ParsedBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest(`Malformed JSON body: ${messageOf(error)}`);
  }
  if (!Array.isArray(parsed)) throw badRequest(`A ${JSON_TYPE} body must be an array of records`);
  if (parsed.length === 0) throw badRequest(NO_RECORDS);
  return { records: parsed, label: (index) => `record ${index + 1}` };
}
