import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../../runtime/context.ts";
import { AppError } from "../../errors/app-error.ts";
import { ingestRecords } from "../../ingest/ingest.ts";
import { parseIngestBody } from "../../ingest/parse-body.ts";
import { RecordProblemsError } from "../../ingest/problems.ts";
import { ingestBatches, ingestedRecords, ingestRejectedRecords } from "../../metrics/registry.ts";
import { readEncodedBody, UnsupportedEncodingError } from "../shared/body.ts";
import { sendError, sendJson } from "../shared/respond.ts";

/**
 * POST /ingest, already authenticated: NDJSON or a JSON array, plain or gzip → 200 `{ accepted, duplicates }`.
 * Bad records → 400 `{ error, message, problems, moreProblems }`: at most 100 problems listed, the rest counted.
 * A Content-Encoding other than gzip → 415 `{ error, message }`.
 */
export async function handleIngest(app: AppContext, req: IncomingMessage, res: ServerResponse, workspaceId: string): Promise<void> {
  try {
    const body = await readEncodedBody(req, {
      decodedBytes: app.env.ingestBodyLimitBytes,
      compressedBytes: app.env.ingestCompressedLimitBytes,
    });
    const { records, label } = await parseIngestBody(req.headers["content-type"], body);
    const result = await ingestRecords(app.db, workspaceId, records, { label, now: app.now() });
    ingestBatches.inc({ outcome: "stored" });
    ingestedRecords.inc({ outcome: "accepted" }, result.accepted);
    ingestedRecords.inc({ outcome: "duplicate" }, result.duplicates);
    sendJson(res, 200, { accepted: result.accepted, duplicates: result.duplicates });
  } catch (error) {
    const refused = error instanceof UnsupportedEncodingError || (error instanceof AppError && error.status < 500);
    ingestBatches.inc({ outcome: refused ? "refused" : "failed" });
    if (error instanceof RecordProblemsError) {
      ingestRejectedRecords.inc(error.problems.length + error.moreProblems);
      sendJson(res, 400, { error: error.title, message: error.message, problems: error.problems, moreProblems: error.moreProblems });
    } else if (error instanceof UnsupportedEncodingError) sendJson(res, error.status, { error: error.title, message: error.message });
    else sendError(res, error, app.log);
  }
}
