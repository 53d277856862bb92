import { randomUUID } from "node:crypto";
import { chmod, mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { AppContext } from "../runtime/context.ts";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../config/private-files.ts";
import { noData } from "../errors/app-error.ts";
import type { Period } from "../periods/period.ts";
import { readUsage } from "../usage/read-usage.ts";
import { canonicalDataType, type DataTypeName } from "../usage/shared/data-types.ts";
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

/**
 * The one export pipeline (GraphQL, REST, CLI, scheduled reports): checks the request,
 * answers 404 for a period without usage, writes the CSV beside its final name
 * and renames it into place (no half-written file is ever visible), records it,
 * and returns a signed link.
 */
export async function createExport(
  app: AppContext,
  request: ExportRequest,
  onProgress?: (done: number, total: number) => void,
): Promise<ExportResult> {
  const usage = await readUsage(app, {
    workspace: request.workspaceId,
    dataType: canonicalDataType(request.dataType),
    period: request.period,
    groupBy: request.groupBy,
  });
  if (!(await usage.hasUsage())) throw noData();

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
    recordCount = await writeCsv(partial, usage.columns, usage.batches({ onTotal }), (n) => onProgress?.(n, total));
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
      groupBy: usage.input.groupBy,
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
