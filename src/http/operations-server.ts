import { createServer, type Server } from "node:http";
import type { AppContext } from "../runtime/context.ts";
import { AppError } from "../errors/app-error.ts";
import { timeRequest } from "../metrics/http-routes.ts";
import { handleLive, handleMetrics, handleReady, type Lifecycle } from "./routes/operations.ts";
import { sendError } from "./shared/respond.ts";

/**
 * METRICS_PORT: /metrics, /health/live and /health/ready without a token, on a
 * port of their own that operators keep off the public network.
 */
export async function listenOperations(app: AppContext, port: number, lifecycle: Lifecycle): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    timeRequest(req, res, path);
    try {
      if (req.method !== "GET") throw new AppError("NOT_FOUND", `${req.method} ${path} is not supported; use GET`);
      if (path === "/metrics") return await handleMetrics(res);
      if (path === "/health/live") return handleLive(res);
      if (path === "/health/ready") return await handleReady(app, res, lifecycle);
      throw new AppError("NOT_FOUND", `No route for ${path} on the operations port: /metrics, /health/live, /health/ready`);
    } catch (error) {
      sendError(res, error, app.log);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, app.env.host, () => resolve());
  });
  return server;
}
