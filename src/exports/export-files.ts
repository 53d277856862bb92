import { randomBytes } from "node:crypto";
import { join, resolve, sep } from "node:path";

/** `{type}-usage/{workspaceId}/{type}-usage-{start}-{end}-{8 hex}.csv`, as in the API document. */
export function exportFilePath(dataType: string, workspaceId: string, startDate: string, endDate: string): string {
  const suffix = randomBytes(4).toString("hex");
  return `${dataType}-usage/${workspaceId}/${dataType}-usage-${startDate}-${endDate}-${suffix}.csv`;
}

// Only paths of the shape above are ever served; nothing else under the store is reachable.
const EXPORT_PATH = /^[a-z_]+-usage\/[A-Za-z0-9_-]+\/[a-z_]+-usage-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.csv$/;

/** The file on disk for an export path, or null when the path is not one the store writes. */
export function resolveExportFile(exportDir: string, filePath: string): string | null {
  if (!EXPORT_PATH.test(filePath)) return null;
  const root = resolve(exportDir);
  const full = resolve(join(root, filePath));
  return full.startsWith(root + sep) ? full : null;
}
