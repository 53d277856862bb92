import { randomBytes } from "node:crypto";

/** The file formats an export is written in; the name is also the file's extension. */
export const EXPORT_FORMATS = ["csv", "parquet"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `{type}-usage/{workspaceId}/{type}-usage-{start}-{end}-{8 hex}.{csv|parquet}`, as in the API document. */
export function exportFilePath(
  dataType: string,
  workspaceId: string,
  startDate: string,
  endDate: string,
  format: ExportFormat = "csv",
  /** 8 hex; random unless given (an async job passes its own, so a rerun rewrites the same file). */
  suffix: string = randomBytes(4).toString("hex"),
): string {
  return `${dataType}-usage/${workspaceId}/${dataType}-usage-${startDate}-${endDate}-${suffix}.${format}`;
}

/** The folder under the export store that holds every report run's zip. */
export const REPORT_ZIPS_DIR = "report-zips";

/** Where a report run's zip lives: `report-zips/{workspaceId}/{runId}/{fileName}.zip`. */
export function reportZipPath(workspaceId: string, runId: string, fileName: string): string {
  return `${REPORT_ZIPS_DIR}/${workspaceId}/${runId}/${fileName}`;
}

// Only paths of these shapes are ever served; nothing else under the store is reachable.
// A type name may hold one "-" (`api-keys`, the REST alias of `api_keys`).
const EXPORT_PATH =
  /^[a-z_]+(?:-[a-z]+)?-usage\/[A-Za-z0-9_-]+\/[a-z_]+(?:-[a-z]+)?-usage-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.(?:csv|parquet)$/;
const REPORT_ZIP_PATH = /^report-zips\/[A-Za-z0-9_-]+\/[0-9a-f-]{36}\/[a-z0-9-]+-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.zip$/;

/**
 * Whether a path is one the service writes into the file store (an export or a
 * report zip): the shapes admit no `..`, absolute path or backslash, and the
 * store refuses those again. Anything else (a tampered link, a stored path
 * from elsewhere) is never read or deleted.
 */
export function isStoredFilePath(filePath: string): boolean {
  return EXPORT_PATH.test(filePath) || REPORT_ZIP_PATH.test(filePath);
}
