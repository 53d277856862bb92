import { posix } from "node:path";
import { pipeline } from "node:stream/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../../runtime/context.ts";
import { AppError } from "../../errors/app-error.ts";
import { errnoCode } from "../../errors/errno.ts";
import { checkDownloadSignature, DOWNLOAD_PREFIX } from "../../exports/download-links.ts";
import { isStoredFilePath } from "../../exports/export-files.ts";
import { sendError } from "../shared/respond.ts";

/**
 * GET /downloads/<filePath>?expires&signature — streams an export (CSV or Parquet) or a report zip
 * from the file store. The signature is the only credential: tampered, expired or out-of-store paths are 403.
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
    if (!isStoredFilePath(filePath)) throw new AppError("FORBIDDEN", "The download link does not name an export file");
    const file = req.method === "HEAD" ? await app.files.stat(filePath) : await app.files.open(filePath);
    if (!file) throw new AppError("NOT_FOUND", "The export file no longer exists");
    res.writeHead(200, {
      "content-type": contentType(filePath),
      "content-length": file.size,
      "content-disposition": `attachment; filename="${posix.basename(filePath)}"`,
      "cache-control": "private, no-store",
    });
    if (!("stream" in file)) return void res.end();
    // The headers are out: a read that fails now can only cut the response (the client sees it short).
    await pipeline(file.stream, res).catch((error: unknown) => {
      // A client that leaves early is no failure of ours.
      if (errnoCode(error) !== "ERR_STREAM_PREMATURE_CLOSE") app.log.warn({ err: error, filePath }, "could not send an export file");
    });
  } catch (error) {
    sendError(res, error, app.log);
  }
}

/** By the file's extension: the store holds only these three. */
function contentType(filePath: string): string {
  if (filePath.endsWith(".zip")) return "application/zip";
  // The media type registered for Parquet with IANA (2024).
  if (filePath.endsWith(".parquet")) return "application/vnd.apache.parquet";
  return "text/csv; charset=utf-8";
}
