import type { IncomingMessage, ServerResponse } from "node:http";
import { httpRequestDuration } from "./registry.ts";

/**
 * Route templates for the `route` label, most specific first. A path that is
 * none of them is `unmatched`: labels stay a fixed set whatever clients send
 * (a file name, a data type or a job id never becomes a label value).
 */
const ROUTES: readonly [RegExp, string][] = [
  [/^\/export\/jobs\/[^/]+$/, "/export/jobs/{id}"],
  [/^\/export\/jobs$/, "/export/jobs"],
  [/^\/export\/timeseries$/, "/export/timeseries"],
  [/^\/export\/[^/]+\/json$/, "/export/{type}/json"],
  [/^\/export\/[^/]+$/, "/export/{type}"],
  [/^\/usage\/timeseries$/, "/usage/timeseries"],
  [/^\/downloads\//, "/downloads/{file}"],
  [/^\/assets\//, "/assets/{file}"],
];
const EXACT = new Set(["/", "/graphql", "/ingest", "/session", "/openapi.json", "/metrics", "/health", "/health/live", "/health/ready"]);

/** The route template of a request path; `/api/public` routes count with their plain twins. */
function routeOf(path: string): string {
  const plain = path.startsWith("/api/public/") ? path.slice("/api/public".length) : path;
  if (EXACT.has(plain)) return plain;
  return ROUTES.find(([pattern]) => pattern.test(plain))?.[1] ?? "unmatched";
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Times a request until its response is sent (or its connection closes first: status `aborted`). */
export function timeRequest(req: IncomingMessage, res: ServerResponse, path: string): void {
  const stop = httpRequestDuration.startTimer({
    route: routeOf(path),
    method: METHODS.has(req.method ?? "") ? (req.method ?? "") : "other",
  });
  res.once("close", () => stop({ status: res.writableFinished ? String(res.statusCode) : "aborted" }));
}
