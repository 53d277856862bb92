import type { IncomingMessage, ServerResponse } from "node:http";
import type { AccessKey, Workspace } from "../../generated/prisma/client.ts";
import type { AppContext } from "../../runtime/context.ts";
import { z } from "zod";
import { parseInput } from "../../errors/input.ts";
import { createExport } from "../../exports/create-export.ts";
import { exportFormatField } from "../shared/export-format.ts";
import { resolvePeriod, type Period } from "../../periods/period.ts";
import { groupByName, type ExportTypeName } from "../../usage/shared/data-types.ts";
import { parseJson, readBody } from "../shared/body.ts";
import { sendJson } from "../shared/respond.ts";
import { respondAsync } from "./export-jobs.ts";

const EXPORT_BODY_LIMIT_BYTES = 16 * 1024;

/** An authenticated, permitted request within its rate limit (the router's checks). */
export interface ExportAuth {
  key: AccessKey;
  workspace: Workspace;
}

/**
 * The request body of every export route: `from` and `to` go to `resolvePeriod`
 * (the one check of a period's dates), `group_by` to the export, which checks it
 * against the data type and the workspace.
 */
const exportBody = z.object(
  { from: z.unknown().optional(), to: z.unknown().optional(), group_by: groupByName },
  { error: "Request body must be a JSON object with from and to" },
);

/** The file route's body also names the file's format (CSV unless asked). */
const exportFileBody = exportBody.extend({
  format: exportFormatField,
});

/** Reads and checks an export body: the period (400 naming the field), the raw `group_by`, and the body as sent. */
export async function readExportBody(
  app: AppContext,
  req: IncomingMessage,
): Promise<{ period: Period; groupBy: string | null; body: unknown }> {
  const body = parseJson(await readBody(req, EXPORT_BODY_LIMIT_BYTES));
  const { from, to, group_by } = parseInput(exportBody, body);
  return { period: resolvePeriod(from, to, app.now()), groupBy: group_by ?? null, body };
}

/**
 * POST /export/{dataType} (authenticated, permitted, within its rate limit): the seed API's request and
 * `UsageExportResponse`; with `Prefer: respond-async`, a job (see export-jobs.ts).
 */
export async function handleExport(
  app: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  auth: ExportAuth,
  dataType: ExportTypeName,
): Promise<void> {
  const body = parseJson(await readBody(req, EXPORT_BODY_LIMIT_BYTES));
  const { from, to, group_by, format } = parseInput(exportFileBody, body);
  const request = { dataType, period: resolvePeriod(from, to, app.now()), groupBy: group_by ?? null, format: format ?? "csv" } as const;
  if (await respondAsync(app, req, res, auth, { kind: "file", ...request }, body)) return;
  const { absolutePath: _local, ...data } = await createExport(app, { workspaceId: auth.workspace.id, ...request });
  sendJson(res, 200, { success: true, data });
}
