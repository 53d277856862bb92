import { AppError, badRequest } from "../errors/app-error.ts";

export interface ParsedBody {
  records: unknown[];
  /** How each record is named in problems: `line N` (NDJSON) or `record N` (JSON array). */
  labels: string[];
}

const NDJSON = "application/x-ndjson";
const JSON_TYPE = "application/json";
const NO_RECORDS = "The request body holds no records";

/**
 * Splits an ingestion body into records. NDJSON records keep the line number
 * they have in the body (blank lines are skipped but counted), so a client can
 * find the line a problem names; every unparseable line is reported at once.
 */
export function parseIngestBody(contentType: string | undefined, body: string): ParsedBody {
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

function parseNdjson(text: string): ParsedBody {
  const records: unknown[] = [];
  const labels: string[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      records.push(JSON.parse(line));
      labels.push(`line ${i + 1}`);
    } catch {
      problems.push(`line ${i + 1}: not valid JSON`);
    }
  });
  if (problems.length > 0) throw badRequest(problems);
  return { records, labels };
}

function parseJsonArray(text: string): ParsedBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest(`Malformed JSON body: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw badRequest(`A ${JSON_TYPE} body must be an array of records`);
  if (parsed.length === 0) throw badRequest(NO_RECORDS);
  return { records: parsed, labels: parsed.map((_, i) => `record ${i + 1}`) };
}
