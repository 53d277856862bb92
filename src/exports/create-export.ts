import { randomUUID } from "node:crypto";
import { chmod, mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { exportBytes, exportDuration, exportRows } from "../metrics/registry.ts";
import type { Database } from "../db/client.ts";
import type { AppContext } from "../runtime/context.ts";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../config/private-files.ts";
import { noData } from "../errors/app-error.ts";
import type { Period } from "../periods/period.ts";
import { readUsage } from "../usage/read-usage.ts";
import { canonicalDataType, type DataTypeName, type ExportTypeName } from "../usage/shared/data-types.ts";
import type { Column } from "../usage/shared/column.ts";
import { writeCsv } from "./csv.ts";
import { signedDownloadUrl } from "./download-links.ts";
import { exportFilePath, resolveExportFile, type ExportFormat } from "./export-files.ts";
import type { CellValue } from "./format-cell.ts";
import { writeParquet } from "./parquet.ts";

/** `N`: the names the caller may use (GraphQL and the CLI: DATA_TYPES; REST paths also `api-keys`). */
export interface ExportRequest<N extends ExportTypeName = DataTypeName> {
  workspaceId: string;
  /** As requested: an alias (`assistants`, `api-keys`) is answered under its own name. */
  dataType: N;
  period: Period;
  groupBy?: string | null;
  /** The file's format; CSV unless asked. */
  format?: ExportFormat;
  /** The file name's 8 hex, random unless given: an async job's rerun rewrites the same file. */
  fileSuffix?: string;
}

export interface ExportResult<N extends string = DataTypeName> {
  filePath: string;
  downloadUrl: string;
  dataType: N;
  recordCount: number;
  dateRange: { from: string; to: string };
  /** The file on this machine (for the CLI and report delivery). */
  absolutePath: string;
}

/**
 * The one export pipeline (GraphQL, REST, CLI, scheduled reports): checks the request,
 * answers 404 for a period without usage, writes the CSV (or Parquet) file beside its final name
 * and renames it into place (no half-written file is ever visible), records it,
 * and returns a signed link.
 */
export async function createExport<N extends ExportTypeName = DataTypeName>(
  app: AppContext,
  request: ExportRequest<N>,
  onProgress?: (done: number, total: number) => void,
): Promise<ExportResult<N>> {
  const usage = await readExportUsage(app, request);
  return writeExport(
    app,
    {
      workspaceId: request.workspaceId,
      dataType: request.dataType,
      period: request.period,
      groupBy: usage.input.groupBy,
      format: request.format,
      fileSuffix: request.fileSuffix,
      columns: usage.columns,
      batches: (onTotal) => usage.batches({ onTotal }),
    },
    onProgress,
  );
}

/** The read an export's rows come from (the data type's one read path); 404 for a period without usage. */
export async function readExportUsage<N extends ExportTypeName>(app: { db: Database }, request: Omit<ExportRequest<N>, "format">) {
  const usage = await readUsage(app, {
    workspace: request.workspaceId,
    dataType: canonicalDataType(request.dataType),
    period: request.period,
    groupBy: request.groupBy,
  });
  if (!(await usage.hasUsage())) throw noData();
  return usage;
}

/** What an export file is written from: its columns and its rows batch by batch (a data type's, or a time series'). */
export interface ExportSource<N extends string, Row extends { [K in keyof Row]: CellValue }> {
  workspaceId: string;
  /** Names the file and the recorded export. */
  dataType: N;
  period: Period;
  /** Recorded with the export. */
  groupBy: string | null;
  format?: ExportFormat;
  fileSuffix?: string;
  columns: readonly Column<Row>[];
  /** The rows; `onTotal` hears how many there will be, when the source knows. */
  batches(onTotal?: (rows: number) => void): AsyncIterable<readonly Row[]>;
}

/**
 * Writes a source's rows beside the file's final name and renames it into place
 * (no half-written file is ever visible), records the export, and returns a signed link.
 */
export async function writeExport<N extends string, Row extends { [K in keyof Row]: CellValue }>(
  app: AppContext,
  request: ExportSource<N, Row>,
  onProgress?: (done: number, total: number) => void,
): Promise<ExportResult<N>> {
  const format = request.format ?? "csv";
  const filePath = exportFilePath(
    request.dataType,
    request.workspaceId,
    request.period.startDate,
    request.period.endDate,
    format,
    request.fileSuffix,
  );
  const absolutePath = resolveExportFile(app.exportDir, filePath);
  if (!absolutePath) throw new Error(`export path ${filePath} escapes the store`);
  // Owner-only whatever the process's umask: exports hold names and emails.
  await mkdir(dirname(absolutePath), { recursive: true, mode: PRIVATE_DIR_MODE });
  const partial = `${absolutePath}.partial`;
  const labels = { data_type: request.dataType, format };
  const stopTimer = exportDuration.startTimer(labels);
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
    const write = format === "parquet" ? writeParquet : writeCsv;
    recordCount = await write(partial, request.columns, request.batches(onTotal), (n) => onProgress?.(n, total));
    await chmod(partial, PRIVATE_FILE_MODE);
    exportBytes.inc(labels, (await stat(partial)).size);
    await rename(partial, absolutePath);
    exportRows.inc(labels, recordCount);
    stopTimer();
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }

  const { period } = request;
  // An upsert: a job's rerun after a crash may find its first attempt's row for the same file.
  await app.db.prisma.export.upsert({
    where: { filePath },
    update: { recordCount },
    create: {
      id: randomUUID(),
      workspaceId: request.workspaceId,
      dataType: request.dataType,
      groupBy: request.groupBy,
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
