import type { IncomingMessage, ServerResponse } from "node:http";
import type { AccessKey, Workspace } from "../../generated/prisma/client.ts";
import type { AppContext } from "../../context.ts";
import { badRequest } from "../../errors/app-error.ts";
import { createExport } from "../../exports/create-export.ts";
import { resolvePeriod, type DateInput } from "../../periods/period.ts";
import type { DataTypeName } from "../../usage/shared/data-types.ts";
import { parseJson, readBody } from "../body.ts";
import { sendJson } from "../respond.ts";

const EXPORT_BODY_LIMIT_BYTES = 16 * 1024;

/** POST /export/{dataType} (authenticated, permitted, within its rate limit): the seed API's request and `UsageExportResponse`. */
export async function handleExport(
  app: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  auth: { key: AccessKey; workspace: Workspace },
  dataType: DataTypeName,
): Promise<void> {
  const body = parseJson(await readBody(req, EXPORT_BODY_LIMIT_BYTES));
  if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest("Request body must be a JSON object with from and to");
  const { from, to, group_by } = body as { from?: DateInput; to?: DateInput; group_by?: unknown };
  if (group_by !== undefined && group_by !== null && typeof group_by !== "string") throw badRequest("group_by must be a string");
  const period = resolvePeriod(from, to, app.now());
  const { absolutePath: _local, ...data } = await createExport(app, {
    workspaceId: auth.workspace.id,
    dataType,
    period,
    groupBy: group_by ?? null,
  });
  sendJson(res, 200, { success: true, data });
}
