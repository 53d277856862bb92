import { randomUUID } from "node:crypto";
import { chmod, mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { AppContext } from "../context.ts";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../config/private-files.ts";
import { Prisma, type Workspace } from "../generated/prisma/client.ts";
import { toWorkspace, WORKSPACE_COLUMNS, type WorkspaceColumns } from "../workspaces/workspace-row.ts";
import { AppError, noData } from "../errors/app-error.ts";
import type { Period } from "../periods/period.ts";
import { canonicalDataType, checkGroupBy, type DataType, type DataTypeName } from "../usage/data-types.ts";
import { hasUsage, USAGE_REPORTS, type RowOf } from "../usage/reports.ts";
import type { UsageQueryInput } from "../usage/queries/query-input.ts";
import { streamRows, type UsageQuery } from "../usage/queries/usage-query.ts";
import { cachedRows, type CachedInput, type RowOrder } from "../usage/result-cache.ts";
import { selectColumns, type Column } from "./columns/column.ts";
import { writeCsv } from "./csv.ts";
import { signedDownloadUrl } from "./download-links.ts";
import { exportFilePath, resolveExportFile } from "./export-files.ts";

export interface ExportRequest {
  workspaceId: string;
  /** As requested: `assistants` is answered as `assistants`. */
  dataType: DataTypeName;
  period: Period;
  groupBy?: string | null;
}

export interface ExportResult {
  filePath: string;
  downloadUrl: string;
  dataType: DataTypeName;
  recordCount: number;
  dateRange: { from: string; to: string };
  /** The CSV on this machine (for the CLI and report delivery). */
  absolutePath: string;
}

/** A data type's visible columns for one request (BYOK, privacy, grouping). */
function reportColumns<T extends DataType>(type: T, input: UsageQueryInput): Column<RowOf[T]>[] {
  return selectColumns(USAGE_REPORTS[type].columns, { ...input.workspace, groupBy: input.groupBy });
}

/** A data type's visible columns and all its rows for one request, optionally ordered: what GraphQL pages (cached until new data). */
export async function loadReport<T extends DataType>(
  app: AppContext,
  type: T,
  input: CachedInput,
  order?: RowOrder<RowOf[T]> | null,
): Promise<{ columns: Column<RowOf[T]>[]; rows: RowOf[T][] }> {
  return { columns: reportColumns(type, input), rows: await cachedRows(app.db, type, input, order) };
}

/** Builds the query input for a workspace, checking `group_by` against it (400). */
export async function usageInput(
  app: AppContext,
  workspaceOrId: Workspace | string,
  type: DataType,
  period: Period,
  groupBy: string | null | undefined,
): Promise<CachedInput> {
  // A GraphQL request passes the workspace its authentication read moments ago
  // (data version included): one database round trip fewer per dashboard request.
  const workspace = typeof workspaceOrId === "string" ? await readWorkspace(app, workspaceOrId) : workspaceOrId;
  return { workspace, period, groupBy: checkGroupBy(type, groupBy, workspace) };
}

async function readWorkspace(app: AppContext, workspaceId: string): Promise<Workspace> {
  const [row] = await app.db.read<WorkspaceColumns>(Prisma.sql`select ${WORKSPACE_COLUMNS} from workspaces w where w.id = ${workspaceId}`);
  if (!row) throw new AppError("NOT_FOUND", `Workspace "${workspaceId}" does not exist`);
  return toWorkspace(row);
}

/**
 * The one export pipeline (GraphQL, REST, CLI, reports): checks the request,
 * answers 404 for a period without usage, writes the CSV beside its final name
 * and renames it into place (no half-written file is ever visible), records it,
 * and returns a signed link.
 */
export async function createExport(
  app: AppContext,
  request: ExportRequest,
  onProgress?: (done: number, total: number) => void,
): Promise<ExportResult> {
  const type = canonicalDataType(request.dataType);
  const input = await usageInput(app, request.workspaceId, type, request.period, request.groupBy);
  if (!(await hasUsage(app.db, input))) throw noData();
  const columns = reportColumns(type, input);

  const filePath = exportFilePath(request.dataType, request.workspaceId, request.period.startDate, request.period.endDate);
  const absolutePath = resolveExportFile(app.exportDir, filePath);
  if (!absolutePath) throw new Error(`export path ${filePath} escapes the store`);
  // Owner-only whatever the process's umask: exports hold names and emails.
  await mkdir(dirname(absolutePath), { recursive: true, mode: PRIVATE_DIR_MODE });
  const partial = `${absolutePath}.partial`;
  let recordCount: number;
  try {
    // Streamed batch by batch: an export of a million rows holds one batch in memory.
    let total = 0;
    const onTotal = onProgress
      ? (n: number) => {
          total = n;
          onProgress(0, n);
        }
      : undefined;
    const query: UsageQuery<RowOf[typeof type]> = USAGE_REPORTS[type].query;
    const rows = streamRows(app.db, query, input, { onTotal });
    recordCount = await writeCsv(partial, columns, rows, (n) => onProgress?.(n, total));
    await chmod(partial, PRIVATE_FILE_MODE);
    await rename(partial, absolutePath);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }

  const { period } = request;
  await app.db.prisma.export.create({
    data: {
      id: randomUUID(),
      workspaceId: request.workspaceId,
      dataType: request.dataType,
      groupBy: input.groupBy,
      filePath,
      recordCount,
      rangeFrom: period.from,
      rangeTo: period.to,
    },
  });
  const expiresAt = new Date(app.now().getTime() + app.env.downloadTtlSeconds * 1000);
  return {
    filePath,
    downloadUrl: signedDownloadUrl(app.signingSecret, app.env.publicBaseUrl, filePath, expiresAt),
    dataType: request.dataType,
    recordCount,
    dateRange: { from: period.from.toISOString(), to: period.to.toISOString() },
    absolutePath,
  };
}
