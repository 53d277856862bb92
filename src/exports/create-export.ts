import { randomUUID } from "node:crypto";
import { exportBytes, exportDuration, exportRows } from "../metrics/registry.ts";
import type { Database } from "../db/client.ts";
import type { AppContext } from "../runtime/context.ts";
import { noData } from "../errors/app-error.ts";
import type { Period } from "../periods/period.ts";
import { readUsage } from "../usage/read-usage.ts";
import { canonicalDataType, type DataTypeName, type ExportTypeName } from "../usage/shared/data-types.ts";
import type { Column } from "../usage/shared/column.ts";
import { csvStream } from "./csv.ts";
import { signedDownloadUrl } from "./download-links.ts";
import { exportFilePath, type ExportFormat } from "./export-files.ts";
import type { CellValue } from "./format-cell.ts";
import { parquetStream } from "./parquet.ts";

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
  /** Where the file is, for people (the CLI prints it): its path, in a local directory store. */
  absolutePath: string;
}

/**
 * The one export pipeline (GraphQL, REST, CLI, scheduled reports): checks the request,
 * answers 404 for a period without usage, writes the CSV (or Parquet) file into the file store
 * (no half-written file is ever visible), records it,
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
 * Writes a source's rows into the file store under the export's path
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
  const labels = { data_type: request.dataType, format };
  const stopTimer = exportDuration.startTimer(labels);
  // Streamed batch by batch: an export of a million rows holds one batch in memory.
  let total = 0;
  let recordCount = 0;
  const onTotal = onProgress
    ? (n: number) => {
        total = n;
        onProgress(0, n);
      }
    : undefined;
  const onRow = (n: number) => {
    recordCount = n;
    onProgress?.(n, total);
  };
  const rows = request.batches(onTotal);
  const bytes = format === "parquet" ? parquetStream(request.columns, rows, onRow) : csvStream(request.columns, rows, onRow);
  // The store shows the file only once it is whole; a failure (or a progress callback's throw) leaves nothing.
  const { size } = await app.files.put(filePath, bytes);
  exportBytes.inc(labels, size);
  exportRows.inc(labels, recordCount);
  stopTimer();

  const { period } = request;
  // An upsert: a job's rerun after a crash may find its first attempt's row for the same file.
  await app.db.prisma.export.upsert({
    where: { workspaceId_filePath: { workspaceId: request.workspaceId, filePath } },
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
    absolutePath: app.files.locate(filePath),
  };
}
