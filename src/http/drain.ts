import type { Server } from "node:http";

/** How often connections that finished their last request are closed while draining. */
const IDLE_SWEEP_MS = 50;

/**
 * Stops a server gracefully: no new connections; requests in flight finish
 * (their keep-alive connections close once idle); after `graceMs` whatever is
 * still open is cut. Resolves when every connection is gone.
 */
export async function drainServer(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}
