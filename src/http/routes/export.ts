import type { IncomingMessage, ServerResponse } from "node:http";
import type { AccessKey, Workspace } from "../../generated/prisma/client.ts";
import type { AppContext } from "../../runtime/context.ts";
import { z } from "zod";
import { parseInput } from "../../errors/input.ts";
import { createExport } from "../../exports/create-export.ts";
import { resolvePeriod } from "../../periods/period.ts";
import { groupByName, type DataTypeName } from "../../usage/shared/data-types.ts";
import { parseJson, readBody } from "../shared/body.ts";
import { sendJson } from "../shared/respond.ts";

const EXPORT_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * The request body: `from` and `to` go to `resolvePeriod` (the one check of a
 * period's dates), `group_by` to the export, which checks it against the data
 * type and the workspace.
 */
const exportBody = z.object(
  { from: z.unknown().optional(), to: z.unknown().optional(), group_by: groupByName },
  { error: "Request body must be a JSON object with from and to" },
);

/** POST /export/{dataType} (authenticated, permitted, within its rate limit): the seed API's request and `UsageExportResponse`. */
export async function handleExport(
  app: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  auth: { key: AccessKey; workspace: Workspace },
  dataType: DataTypeName,
): Promise<void> {
  const { from, to, group_by } = parseInput(exportBody, parseJson(await readBody(req, EXPORT_BODY_LIMIT_BYTES)));
  const period = resolvePeriod(from, to, app.now());
  const { absolutePath: _local, ...data } = await createExport(app, {
    workspaceId: auth.workspace.id,
    dataType,
    period,
    groupBy: group_by ?? null,
  });
  sendJson(res, 200, { success: true, data });
}
