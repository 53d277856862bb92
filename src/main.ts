import "./heap-tuning.ts";
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { EmbeddedDatabaseBusy, openApp } from "./app.ts";
import { parseEnv } from "./config/env.ts";
import { usePrivateUmask } from "./config/private-files.ts";
import { removeServerAdvert, writeServerAdvert } from "./db/embedded-lock.ts";
import { ensureDemoWorkspace, type DemoWorkspace } from "./demo/ensure-demo.ts";
import { startJobs } from "./jobs/index.ts";
import { drainServer } from "./http/drain.ts";
import { listenOperations } from "./http/operations-server.ts";
import { listen } from "./http/server.ts";
import { observeDatabase } from "./metrics/database-gauges.ts";
import { presetRange } from "./periods/presets.ts";

/** `npm start`: the HTTP service (GraphQL, REST, ingestion, downloads). */
async function main() {
  usePrivateUmask();
  const env = parseEnv();
  const app = await openApp(env).catch((error: unknown) => {
    if (error instanceof EmbeddedDatabaseBusy) {
      console.error(`Cannot start: ${error.message}. Stop it first, or set DATA_DIR to another folder.`);
      process.exit(1);
    }
    throw error;
  });
  const demo = env.demo ? await ensureDemoWorkspace(app) : null;
  // With the embedded database only this process may open it: the CLI reaches it through us.
  const localCliToken = app.db.kind === "pglite" ? randomBytes(24).toString("hex") : null;
  observeDatabase(app.db);
  let draining = false;
  const lifecycle = { draining: () => draining };
  const server = await listen(app, { localCliToken, lifecycle });
  const operations = env.metrics.port === null ? null : await listenOperations(app, env.metrics.port, lifecycle);
  const port = portOf(server, env.port);
  const stopJobs = startJobs(app);
  if (localCliToken) await writeServerAdvert(env.dataDir, { url: `http://127.0.0.1:${port}`, token: localCliToken, pid: process.pid });

  if (operations) console.log(`Operations (metrics, health) on http://${browsableHost(env.host)}:${portOf(operations, 0)}/metrics`);
  console.log(
    banner(
      browsableHost(env.host),
      port,
      app.db.kind === "pglite" ? `embedded PGlite in ${env.dataDir}` : "PostgreSQL (DATABASE_URL)",
      demo,
      app.now(),
    ),
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    draining = true;
    // Requests in flight finish; the jobs then finish the run they hold, so no lease is left to run out.
    await drainServer(server, env.shutdownGraceSeconds * 1000);
    await stopJobs();
    if (operations) await drainServer(operations, 0);
    if (localCliToken) await removeServerAdvert(env.dataDir);
    await app.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

function portOf(server: Server, fallback: number): number {
  const address = server.address();
  return typeof address === "object" && address !== null ? address.port : fallback;
}

/** How to reach a server bound to `host`: all interfaces are reached on localhost. */
function browsableHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

function banner(host: string, port: number, database: string, demo: DemoWorkspace | null, now: Date): string {
  const base = `http://${host}:${port}`;
  const lines = [
    `Usage Exports listening on ${base} (${database})`,
    `  Analytics page: ${base}/ (sign in with an admin API key${demo ? ": the demo's, below" : ""})`,
    `  GraphQL: ${base}/graphql`,
  ];
  if (demo) {
    const { from, to } = presetRange("last_month", { timezone: "Europe/Berlin", firstWeekday: 1, now });
    const body = JSON.stringify({ from, to });
    lines.push(
      "",
      `Demo workspace ${demo.workspaceId} — admin API key: ${demo.apiKey}`,
      "Export last month's users:",
      `  curl -s -X POST ${base}/export/users -H 'Authorization: Bearer ${demo.apiKey}' -H 'Content-Type: application/json' -d '${body}'`,
    );
  }
  return lines.join("\n");
}

await main();
