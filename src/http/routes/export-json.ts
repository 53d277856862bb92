import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../../runtime/context.ts";
import { JSON_ROW_LIMIT, jsonRowsBody, readJsonRows } from "../../exports/json-rows.ts";
import type { ExportTypeName } from "../../usage/shared/data-types.ts";
import { readExportBody, type ExportAuth } from "./export.ts";
import { respondAsync } from "./export-jobs.ts";

/**
 * POST /export/{dataType}/json (authenticated, permitted, within its rate limit):
 * the CSV route's body and errors; the rows themselves as typed JSON objects, or
 * 413 past `rowLimit` rows (JSON_ROW_LIMIT; a parameter so tests can pass a small one).
 * With `Prefer: respond-async`, a job (see export-jobs.ts).
 */
export async function handleExportJson(
  app: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  auth: ExportAuth,
  dataType: ExportTypeName,
  rowLimit: number = JSON_ROW_LIMIT,
): Promise<void> {
  const { period, groupBy, body } = await readExportBody(app, req);
  if (await respondAsync(app, req, res, auth, { kind: "json", dataType, period, groupBy }, body)) return;
  const data = await readJsonRows(app, { workspaceId: auth.workspace.id, dataType, period, groupBy }, rowLimit);
  // Written as text: `jsonRowsBody` keeps the rows' key order and decimal digits.
  const text = jsonRowsBody(data);
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
