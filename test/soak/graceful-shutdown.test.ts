import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, expect, test } from "vitest";
import { testDatabaseUrl } from "../helpers/database.ts";
import { sample, scrape } from "../helpers/prometheus.ts";
import { startServer } from "./server-process.ts";

/**
 * SIGTERM to the compiled server while a request is in flight: readiness turns
 * 503 at once (load balancers stop sending), the request in flight still gets
 * its answer, and the process exits 0 once it is done. Metrics and health
 * are read on METRICS_PORT, as an operator's probes would.
 */
const dataDir = mkdtempSync(join(tmpdir(), "ue-drain-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const dbEnv: Record<string, string> = process.env.DATABASE_URL ? { DATABASE_URL: await testDatabaseUrl() } : {};

const line = (id: string) =>
  `{"type":"message","id":"drain-${id}","occurredAt":"2026-10-20T12:00:00Z","userId":"u1","surface":"chat","model":"gpt-4o","provider":"openai","source":"WEB"}\n`;

test("a stopping server answers the request in flight, fails readiness meanwhile, and exits 0", async () => {
  const server = await startServer(dataDir, { ...dbEnv, METRICS_PORT: "0", SHUTDOWN_GRACE_SECONDS: "30" });
  try {
    const operations = /Operations \(metrics, health\) on http:\/\/[^:]+:(\d+)\/metrics/.exec(server.output())?.[1];
    expect(operations).toBeDefined();
    const ops = `http://127.0.0.1:${operations}`;
    expect((await fetch(`${ops}/health/ready`)).status).toBe(200);

    // An ingestion whose body is half sent: the request is in flight.
    const { port } = new URL(server.base);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/ingest",
          method: "POST",
          headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${server.apiKey}` },
        },
        (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.write(line("1"));
      void sleep(300).then(() => {
        server.child.kill("SIGTERM");
        return waitForStopping(ops).then(() => req.end(line("2")), reject);
      });
    });

    expect(await answer).toEqual({ status: 200, body: '{"accepted":2,"duplicates":0}' });
    expect(await server.exited).toBe(0);
  } finally {
    await server.kill();
  }
});

/** Polls readiness until it says the process is stopping (its metrics still answer meanwhile). */
async function waitForStopping(ops: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${ops}/health/ready`);
    const body: unknown = await res.json();
    if (res.status === 503) {
      expect(body).toMatchObject({ status: "not ready", checks: { shutdown: "stopping" } });
      expect(
        sample(await scrape(`${ops}/metrics`), "http_request_duration_seconds", { route: "/health/ready", method: "GET", status: "503" }),
      ).toBe(1);
      return;
    }
    await sleep(50);
  }
  throw new Error("readiness never turned 503 after SIGTERM");
}
