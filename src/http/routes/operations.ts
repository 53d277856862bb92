import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pendingMigrations } from "../../db/migrate.ts";
import { AppError } from "../../errors/app-error.ts";
import { messageOf } from "../../errors/errno.ts";
import { registry } from "../../metrics/registry.ts";
import type { AppContext } from "../../runtime/context.ts";
import { sendJson } from "../shared/respond.ts";

/** What the operations routes know of the process around them. */
export interface Lifecycle {
  /** True once the process is stopping: readiness fails so load balancers stop sending requests. */
  draining(): boolean;
}

/** A readiness check that hangs (a stalled database) answers as failed after this long. */
const READY_TIMEOUT_MS = 2_000;

/** GET /metrics: Prometheus text format, every metric of src/metrics/. */
export async function handleMetrics(res: ServerResponse): Promise<void> {
  const text = await registry.metrics();
  res.writeHead(200, { "content-type": registry.contentType, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * /metrics on the service's own port: only with `Authorization: Bearer METRICS_TOKEN`.
 * Without a token configured it is not served there (METRICS_PORT serves it instead).
 */
export async function handleProtectedMetrics(app: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = app.env.metrics.token;
  if (!token)
    throw new AppError("NOT_FOUND", "/metrics is not served on this port: set METRICS_TOKEN, or METRICS_PORT for a separate port");
  if (!sameSecret(bearerOf(req), token))
    throw new AppError("UNAUTHORIZED", "GET /metrics needs the header Authorization: Bearer <METRICS_TOKEN>");
  await handleMetrics(res);
}

/** GET /health/live: the process answers. */
export function handleLive(res: ServerResponse): void {
  sendJson(res, 200, { status: "live" });
}

/**
 * GET /health/ready: 200 when the database answers, every migration of this
 * build is applied and the process is not stopping; otherwise 503 naming the
 * failing check. Each check is bounded, so a hung database fails the probe
 * instead of holding it.
 */
export async function handleReady(app: AppContext, res: ServerResponse, lifecycle: Lifecycle): Promise<void> {
  const checks: Record<string, string> = {};
  checks.shutdown = lifecycle.draining() ? "stopping" : "ok";
  try {
    const pending = await withTimeout(pendingMigrations(app.db), READY_TIMEOUT_MS);
    checks.database = "ok";
    checks.migrations = pending.length === 0 ? "ok" : `pending: ${pending.join(", ")}`;
  } catch (error) {
    checks.database = `unavailable: ${messageOf(error)}`;
    checks.migrations = "unknown";
  }
  const ready = Object.values(checks).every((c) => c === "ok");
  sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", checks });
}

function bearerOf(req: IncomingMessage): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return match?.[1] ?? "";
}

/** Compared as digests: equal length, constant time. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
