import { randomUUID } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { AppContext } from "../context.ts";
import { AppError, noData } from "../errors/app-error.ts";
import type { Period } from "../periods/period.ts";
import { canonicalDataType, checkGroupBy, type DataType, type DataTypeName } from "../usage/data-types.ts";
import { hasUsage, USAGE_REPORTS, type RowOf } from "../usage/reports.ts";
import type { UsageQueryInput } from "../usage/queries/query-input.ts";
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

/** A data type's visible columns and rows for one request: what GraphQL pages and CSV writes. */
export async function loadReport<T extends DataType>(
  app: AppContext,
  type: T,
  input: UsageQueryInput,
): Promise<{ columns: Column<RowOf[T]>[]; rows: RowOf[T][] }> {
  const report = USAGE_REPORTS[type];
  const columns = selectColumns(report.columns, { ...input.workspace, groupBy: input.groupBy });
  return { columns, rows: await report.query(app.db, input) };
}

/** Builds the query input for a workspace, checking `group_by` against it (400). */
export async function usageInput(
  app: AppContext,
  workspaceId: string,
  type: DataType,
  period: Period,
  groupBy: string | null | undefined,
): Promise<UsageQueryInput> {
  const workspace = await app.db.prisma.workspace.findUnique({ where: { id: workspaceId } });
  if (!workspace) throw new AppError("NOT_FOUND", `Workspace "${workspaceId}" does not exist`);
  return { workspace, period, groupBy: checkGroupBy(type, groupBy, workspace) };
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
  const { columns, rows } = await loadReport(app, type, input);

  const filePath = exportFilePath(request.dataType, request.workspaceId, request.period.startDate, request.period.endDate);
  const absolutePath = resolveExportFile(app.exportDir, filePath);
  if (!absolutePath) throw new Error(`export path ${filePath} escapes the store`);
  await mkdir(dirname(absolutePath), { recursive: true });
  const partial = `${absolutePath}.partial`;
  try {
    onProgress?.(0, rows.length);
    await writeCsv(partial, columns, rows, (n) => onProgress?.(n, rows.length));
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
      recordCount: rows.length,
      rangeFrom: period.from,
      rangeTo: period.to,
    },
  });
  const expiresAt = new Date(app.now().getTime() + app.env.downloadTtlSeconds * 1000);
  return {
    filePath,
    downloadUrl: signedDownloadUrl(app.signingSecret, app.env.publicBaseUrl, filePath, expiresAt),
    dataType: request.dataType,
    recordCount: rows.length,
    dateRange: { from: period.from.toISOString(), to: period.to.toISOString() },
    absolutePath,
  };
}
