import { errorResponse } from "./responses.ts";
import { NO_AUTH, type Header, type Operation, type Parameter } from "./types.ts";

// GET and HEAD /downloads/{filePath}: signed, expiring links to export files.

const FILE_PATH_PATTERN =
  "^[a-z_]+(?:-[a-z]+)?-usage/[A-Za-z0-9_-]+/[a-z_]+(?:-[a-z]+)?-usage-\\d{4}-\\d{2}-\\d{2}-\\d{4}-\\d{2}-\\d{2}-[0-9a-f]{8}\\.(?:csv|parquet)$";

const downloadParameters: Parameter[] = [
  {
    name: "filePath",
    in: "path",
    required: true,
    description:
      "The export's `filePath`, slashes included (each segment URL-encoded). Only paths of the export store's shape are ever served.",
    schema: { type: "string", pattern: FILE_PATH_PATTERN },
    example: "users-usage/ws_123/users-usage-2024-01-01-2024-01-31-abc12345.csv",
  },
  {
    name: "expires",
    in: "query",
    required: true,
    description: "Expiry of the link, in Unix seconds",
    schema: { type: "integer", minimum: 0 },
  },
  {
    name: "signature",
    in: "query",
    required: true,
    description: "HMAC-SHA256 of the file path and expiry, hex",
    schema: { type: "string", pattern: "^[0-9a-f]{64}$" },
  },
];

const downloadForbidden = errorResponse("Forbidden: the link is incomplete, tampered with, expired, or names no export file", {
  incomplete: ["expires or signature missing", "Forbidden", "The download link is incomplete"],
  malformed: ["Path that is not valid URL encoding", "Forbidden", "The download link is malformed"],
  signature: ["Tampered link", "Forbidden", "The download link signature is invalid"],
  expired: ["Expired link", "Forbidden", "The download link has expired"],
  notExport: ["Signed path outside the export store", "Forbidden", "The download link does not name an export file"],
});
const downloadGone = errorResponse("Not Found: the export file was deleted (exports are kept for a limited time)", {
  gone: ["File deleted", "Not Found", "The export file no longer exists"],
});

const downloadHeaders: Record<string, Header> = {
  "Content-Disposition": {
    description: "Always `attachment`, with the file's name",
    required: true,
    schema: { type: "string", example: 'attachment; filename="users-usage-2024-01-01-2024-01-31-abc12345.csv"' },
  },
  "Content-Length": { description: "Size of the file in bytes", required: true, schema: { type: "integer", minimum: 0 } },
  "Cache-Control": { description: "`private, no-store`", required: true, schema: { type: "string" } },
};

export const downloadOperation = (method: "get" | "head"): Operation => ({
  tags: ["Downloads"],
  summary: method === "get" ? "Download an export file" : "Check an export download link",
  description:
    "Serves the file (CSV or Parquet) behind an export's `downloadUrl`. The signature is the only credential (no API key is needed, so the link can be handed on): " +
    "a tampered or expired link, or one naming anything but an export file, is refused with 403." +
    (method === "head" ? " HEAD answers the same status and headers without a body." : ""),
  operationId: method === "get" ? "downloadExport" : "checkExportDownload",
  security: NO_AUTH,
  parameters: downloadParameters,
  responses:
    method === "get"
      ? {
          "200": {
            description: "The export file: a CSV (RFC 4180, UTF-8, header row, CRLF line ends) or, for `format: parquet`, a Parquet file",
            headers: downloadHeaders,
            content: {
              "text/csv": { schema: { type: "string", format: "binary" } },
              "application/vnd.apache.parquet": { schema: { type: "string", format: "binary" } },
            },
          },
          "403": downloadForbidden,
          "404": downloadGone,
        }
      : {
          "200": { description: "The link is good; headers as for GET", headers: downloadHeaders },
          "403": { description: downloadForbidden.description },
          "404": { description: downloadGone.description },
        },
});
