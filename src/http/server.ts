import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createYoga } from "graphql-yoga";
import { requireCapability } from "../auth/permissions.ts";
import type { AppContext } from "../runtime/context.ts";
import { AppError } from "../errors/app-error.ts";
import { DOWNLOAD_PREFIX } from "../exports/download-links.ts";
import type { GraphQLContext } from "../schema/builder.ts";
import { schema } from "../schema/index.ts";
import { EXPORT_TYPES, isExportTypeName } from "../usage/shared/data-types.ts";
import { readBody } from "./shared/body.ts";
import { authenticateBearer, authenticateGraphQL } from "./graphql-auth.ts";
import { maskGraphQLError } from "./graphql-errors.ts";
import { responseCache } from "./graphql-response-cache.ts";
import { GRAPHQL_BODY_LIMIT_BYTES, queryLimits } from "./graphql-limits.ts";
import { openApiDocument } from "./openapi/document.ts";
import { limitsOf } from "../limits/rate-limit.ts";
import { timeRequest } from "../metrics/http-routes.ts";
import { sendError, sendJson } from "./shared/respond.ts";
import { handleDownload } from "./routes/download.ts";
import { handleExport } from "./routes/export.ts";
import { handleExportJson } from "./routes/export-json.ts";
import { EXPORT_JOB_PATH, handleExportJob } from "./routes/export-jobs.ts";
import { handleIngest } from "./routes/ingest.ts";
import { handleLocalCli } from "./routes/local-cli.ts";
import { handleLive, handleProtectedMetrics, handleReady, type Lifecycle } from "./routes/operations.ts";
import { handleSession } from "./routes/session.ts";
import { handleTimeSeries, TIMESERIES_PATH } from "./routes/timeseries.ts";
import { ASSETS_PREFIX, handleAsset, handleWebPage } from "./routes/web-page.ts";

// `/export/{type}` (a file) or `/export/{type}/json` (its rows as JSON).
const EXPORT_PATH = /^(?:\/api\/public)?\/export\/([a-z_-]+)(\/json)?$/;
export interface HttpOptions {
  /** Token of the local CLI endpoint (embedded database only); null disables it. */
  localCliToken: string | null;
  /** Whether the process is stopping (readiness answers 503); never, by default. */
  lifecycle?: Lifecycle;
}

const NEVER_DRAINING: Lifecycle = { draining: () => false };

/** The whole HTTP surface as one node request listener (also used by tests without a port). */
export function createHttpHandler(app: AppContext, opts: HttpOptions) {
  const yoga = createYoga<Pick<GraphQLContext, "app"> & Partial<GraphQLContext>>({
    schema,
    graphqlEndpoint: "/graphql",
    // Browsers get no CORS headers: keys belong on servers, not in pages of other origins.
    cors: false,
    maskedErrors: { maskError: maskGraphQLError },
    logging: false,
    // The body is read, bounded, before Yoga sees it (GRAPHQL_BODY_LIMIT_BYTES below): Yoga's own
    // limit would stream that string through a TransformStream again (~8% of a dashboard request's CPU).
    maxRequestBodySize: false,
    plugins: [queryLimits(), responseCache()],
  });

  const limits = limitsOf(app);

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    timeRequest(req, res, path);
    try {
      if (path === "/health") return sendJson(res, 200, { ok: true });
      if (path === "/health/live") return handleLive(res);
      if (path === "/health/ready") return await handleReady(app, res, opts.lifecycle ?? NEVER_DRAINING);
      if (path === "/metrics" && req.method === "GET") return await handleProtectedMetrics(app, req, res);
      if (path === "/openapi.json" && req.method === "GET") return sendJson(res, 200, openApiDocument(app.env.publicBaseUrl));
      if (path.startsWith(DOWNLOAD_PREFIX) && (req.method === "GET" || req.method === "HEAD"))
        return await handleDownload(app, req, res, url);
      if (path === "/graphql") {
        // GraphiQL's page itself needs no key; every operation does.
        const wantsPage = req.method === "GET" && (req.headers.accept ?? "").includes("text/html");
        const auth = wantsPage ? {} : await authenticateGraphQL(app, req);
        // Read (bounded) here, so an oversized body is a 413 before Yoga sees any of it;
        // the node adapter takes a string `body` in place of the consumed stream.
        if (req.method === "POST") Object.assign(req, { body: await readBody(req, GRAPHQL_BODY_LIMIT_BYTES) });
        // Calling the adapter writes the response (handleNodeRequestAndResponse only returns it).
        await yoga(req, res, { app, ...auth });
        return;
      }
      if (path === "/session") return await handleSession(app, req, res);
      if ((path === "/" || path.startsWith(ASSETS_PREFIX)) && (req.method === "GET" || req.method === "HEAD"))
        return await (path === "/" ? handleWebPage(req, res) : handleAsset(req, res, path));
      if (path === "/_local/cli" && opts.localCliToken) return await handleLocalCli(app, req, res, opts.localCliToken);

      const timeSeriesMatch = TIMESERIES_PATH.exec(path);
      if (timeSeriesMatch) {
        refuseUnlessServerPost(req, path);
        const auth = await authenticateBearer(app, req);
        requireCapability(auth.key, "export");
        await limits.exports.consume(auth.key.id);
        return await handleTimeSeries(app, req, res, auth, timeSeriesMatch[1] === "export" ? "export" : "usage");
      }
      const jobMatch = EXPORT_JOB_PATH.exec(path);
      if (jobMatch) {
        refuseBrowserOrigin(req);
        const auth = await authenticateBearer(app, req);
        requireCapability(auth.key, "export");
        // Reading a job's status or cancelling it spends no export budget: polling is expected.
        return await handleExportJob(app, req, res, auth, decodeURIComponent(jobMatch[2]!));
      }
      const exportMatch = EXPORT_PATH.exec(path);
      if (path === "/ingest" || exportMatch) {
        if (req.method !== "POST") throw new AppError("NOT_FOUND", `${req.method} ${path} is not supported; use POST`);
        if (req.headers.origin)
          throw new AppError(
            "FORBIDDEN",
            "Browser-origin requests are refused: call this API from a server, never from a web page, so your API key stays secret",
          );
        const auth = await authenticateBearer(app, req);
        if (path === "/ingest") {
          requireCapability(auth.key, "ingest");
          await limits.ingest.consume(auth.key.id);
          return await handleIngest(app, req, res, auth.workspace.id);
        }
        const [, type = "", json] = exportMatch!;
        if (!isExportTypeName(type))
          throw new AppError("NOT_FOUND", `Unknown export type "${type}": use one of ${EXPORT_TYPES.join(", ")}`);
        requireCapability(auth.key, "export");
        await limits.exports.consume(auth.key.id);
        return await (json ? handleExportJson : handleExport)(app, req, res, auth, type);
      }
      throw new AppError("NOT_FOUND", `No route for ${req.method} ${path}`);
    } catch (error) {
      if (!res.headersSent) sendError(res, error, app.log);
      else res.destroy();
    }
  };
}

/** The API routes' common refusals: POST only (404 otherwise), and no browser-origin requests (403). */
function refuseUnlessServerPost(req: IncomingMessage, path: string): void {
  if (req.method !== "POST") throw new AppError("NOT_FOUND", `${req.method} ${path} is not supported; use POST`);
  refuseBrowserOrigin(req);
}

function refuseBrowserOrigin(req: IncomingMessage): void {
  if (req.headers.origin)
    throw new AppError(
      "FORBIDDEN",
      "Browser-origin requests are refused: call this API from a server, never from a web page, so your API key stays secret",
    );
}

export async function listen(app: AppContext, opts: HttpOptions): Promise<Server> {
  const server = createServer(createHttpHandler(app, opts));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(app.env.port, app.env.host, () => resolve());
  });
  return server;
}
