import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../../runtime/context.ts";
import { AppError } from "../../errors/app-error.ts";
import { checkDownloadSignature, DOWNLOAD_PREFIX } from "../../exports/download-links.ts";
import { resolveExportFile } from "../../exports/export-files.ts";
import { sendError } from "../shared/respond.ts";

/**
 * GET /downloads/<filePath>?expires&signature — streams an export (CSV or Parquet) or a report zip. The
 * signature is the only credential: tampered, expired or out-of-store paths are 403.
 */
export async function handleDownload(app: AppContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    let filePath: string;
    try {
      filePath = decodeURIComponent(url.pathname.slice(DOWNLOAD_PREFIX.length));
    } catch {
      throw new AppError("FORBIDDEN", "The download link is malformed");
    }
    const refused = checkDownloadSignature(
      app.signingSecret,
      filePath,
      url.searchParams.get("expires"),
      url.searchParams.get("signature"),
      app.now(),
    );
    if (refused) throw new AppError("FORBIDDEN", refused);
    const file = resolveExportFile(app.exportDir, filePath);
    if (!file) throw new AppError("FORBIDDEN", "The download link does not name an export file");
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw new AppError("NOT_FOUND", "The export file no longer exists");
    res.writeHead(200, {
      "content-type": contentType(file),
      "content-length": info.size,
      "content-disposition": `attachment; filename="${basename(file)}"`,
      "cache-control": "private, no-store",
    });
    if (req.method === "HEAD") return void res.end();
    createReadStream(file).pipe(res);
  } catch (error) {
    sendError(res, error, app.log);
  }
}

/** By the file's extension: the store writes only these three. */
function contentType(file: string): string {
  if (file.endsWith(".zip")) return "application/zip";
  // The media type registered for Parquet with IANA (2024).
  if (file.endsWith(".parquet")) return "application/vnd.apache.parquet";
  return "text/csv; charset=utf-8";
}
