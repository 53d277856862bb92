import type { ServerResponse } from "node:http";
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "../../db/unavailable.ts";
import { AppError } from "../../errors/app-error.ts";
import type { Logger } from "../../runtime/logging.ts";
import { RateLimitedError } from "../../limits/rate-limit.ts";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * `{ error, message }` for an AppError; 503 with `Retry-After` when the database
 * is unreachable or dropped the connection; a bare 500 that leaks nothing for anything else.
 */
export function sendError(res: ServerResponse, error: unknown, log: Logger, headers: Record<string, string> = {}) {
  if (error instanceof RateLimitedError) headers = { ...headers, "retry-after": String(error.retryAfterSeconds) };
  if (!(error instanceof AppError) && isDatabaseUnavailable(error)) {
    log.warn({ err: error }, "database unavailable");
    error = databaseUnavailable();
    headers = { ...headers, "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) };
  }
  if (error instanceof AppError) {
    sendJson(res, error.status, { error: error.title, message: error.message }, headers);
    return;
  }
  log.error({ err: error }, "unexpected error");
  sendJson(res, 500, { error: "Internal Server Error", message: "An unexpected error occurred" }, headers);
}

const databaseUnavailable = () =>
  new AppError("SERVICE_UNAVAILABLE", `The database is unavailable; nothing was changed. Retry in ${DATABASE_RETRY_AFTER_SECONDS} seconds`);
