import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../../context.ts";
import { ingestRecords } from "../../ingest/ingest.ts";
import { parseIngestBody } from "../../ingest/parse-body.ts";
import { readBody } from "../body.ts";
import { sendError, sendJson } from "../respond.ts";

/** POST /ingest, already authenticated: NDJSON or a JSON array → 200 `{ accepted, duplicates }`. */
export async function handleIngest(app: AppContext, req: IncomingMessage, res: ServerResponse, workspaceId: string): Promise<void> {
  try {
    const body = await readBody(req, app.env.ingestBodyLimitBytes);
    const { records, labels } = parseIngestBody(req.headers["content-type"], body);
    const result = await ingestRecords(app.db, workspaceId, records, { labels, now: app.now() });
    sendJson(res, 200, { accepted: result.accepted, duplicates: result.duplicates });
  } catch (error) {
    sendError(res, error, app.log);
  }
}
