import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { AppError } from "../../errors/app-error.ts";
import { projectPath } from "../../config/project-root.ts";

/** Where `npm run build:web` (scripts/build-web.mjs) writes the page. */
export const WEB_BUILD_DIR = projectPath("build", "web");
export const ASSETS_PREFIX = "/assets/";

/**
 * Everything the page loads comes from this origin; no inline script or style,
 * no frames. The page's only network peers are /graphql, /session and downloads.
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** GET / — the analytics page's HTML shell. */
export async function handleWebPage(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const html = await readFile(join(WEB_BUILD_DIR, "index.html")).catch(() => null);
  if (!html) {
    res.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
    return void res.end("The analytics page has not been built: run `npm run build:web` (npm start does it first).\n");
  }
  res.writeHead(200, {
    "content-type": "text/html; charset=utf-8",
    "content-length": html.length,
    // The shell names hashed assets, so it must be revalidated after every build.
    "cache-control": "no-cache",
    "content-security-policy": PAGE_CSP,
    ...SECURITY_HEADERS,
  });
  res.end(req.method === "HEAD" ? undefined : html);
}

/** GET /assets/<name> — built files; names carry a content hash, so they are cached for good. */
export async function handleAsset(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const name = path.slice(ASSETS_PREFIX.length);
  // One plain file name: no directories, so nothing outside the build folder is reachable.
  const type = /^[\w-]+(\.[\w-]+)*$/.test(name) ? TYPES[extname(name)] : undefined;
  const file = join(WEB_BUILD_DIR, "assets", name);
  const info = type ? await stat(file).catch(() => null) : null;
  if (!type || !info?.isFile()) throw new AppError("NOT_FOUND", `No asset ${path}`);
  res.writeHead(200, {
    "content-type": type,
    "content-length": info.size,
    "cache-control": "public, max-age=31536000, immutable",
    ...SECURITY_HEADERS,
  });
  if (req.method === "HEAD") return void res.end();
  createReadStream(file).pipe(res);
}
