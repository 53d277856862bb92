import type { Database } from "../db/client.ts";
import { ingestRecords, type IngestResult } from "../ingest/ingest.ts";
import { isJson } from "../ingest/json-syntax.ts";
import { ProblemList } from "../ingest/problems.ts";

/**
 * Stores lines of an NDJSON file as one atomic batch (SPEC §7), like a
 * `POST /ingest` body, except that problems name the lines of the whole file:
 * `lines[0]` is line `firstLine`. Blank lines are skipped but counted.
 */
export async function ingestLines(db: Database, workspaceId: string, lines: string[], firstLine: number, now: Date): Promise<IngestResult> {
  const records: unknown[] = [];
  const lineOf: number[] = [];
  const problems = new ProblemList();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    if (problems.size === 0) {
      try {
        records.push(JSON.parse(line));
        lineOf.push(firstLine + i);
        continue;
      } catch {
        // reported below
      }
    } else if (isJson(line)) continue; // the batch is refused anyway: only bad lines still count
    problems.add(i, "not valid JSON");
  }
  if (problems.size > 0) throw problems.refusal((i) => `line ${firstLine + i}`);
  return ingestRecords(db, workspaceId, records, { label: (index) => `line ${lineOf[index]}`, now });
}
