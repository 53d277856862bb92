import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, expect, test } from "vitest";
import { z } from "zod";
import { openApp } from "../../src/app.ts";
import { parseEnv } from "../../src/config/env.ts";
import { runCli } from "../cli/run-cli.ts";
import { ExportAnswer } from "../helpers/answers.ts";
import { testDatabaseUrl } from "../helpers/database.ts";
import { localLink, startServer } from "./server-process.ts";

/**
 * The compiled server, as `npm start` runs it, kept up for 3 minutes with
 * traffic: past the embedded lock's refreshes (every minute), past every job's
 * tick (all run each minute here, the export retention cut to 36 s so the
 * clean-up really deletes), while the CLI runs beside it. On embedded PGlite
 * without DATABASE_URL, on that PostgreSQL with it.
 */
const SOAK_MS = 190_000;
const dataDir = mkdtempSync(join(tmpdir(), "ue-soak-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const databaseUrl = process.env.DATABASE_URL ? await testDatabaseUrl() : null;
const dbEnv: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : {};

/** The GraphQL summary answer, as far as the check reads it. */
const SummaryAnswer = z.object({ data: z.object({ usageSummary: z.object({ __typename: z.string() }).nullish() }).nullish() });

const LAST_MONTH = '{ "period": { "preset": "LAST_MONTH" } }';
const summaryQuery = `query ($period: PeriodInput!) { usageSummary(period: $period) {
  __typename ... on QueryUsageSummarySuccess { data { messages } } } }`;

/** The seed API's body for last month, in UTC. */
function lastMonthBody(): string {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  const day = (d: Date) => ({ date: d.toISOString().slice(0, 10), timezone: "UTC" });
  return JSON.stringify({ from: day(first), to: day(last) });
}

test("the compiled server stays up and answering for 3 minutes of traffic while the CLI runs beside it", {
  timeout: SOAK_MS + 120_000,
}, async () => {
  const server = await startServer(dataDir, {
    ...dbEnv,
    JOB_SCHEDULES: "clean-up-exports=* * * * *;clean-up-report-zips=* * * * *;deliver-reports=* * * * *",
    EXPORT_RETENTION_HOURS: "0.01",
  });
  const auth = { authorization: `Bearer ${server.apiKey}` };
  const failures: string[] = [];
  const check = (what: string, ok: boolean, detail: unknown) => {
    if (!ok) failures.push(`${what}: ${JSON.stringify(detail)}`);
  };
  const counts = { health: 0, graphql: 0, exports: 0, downloads: 0, ingests: 0, cli: 0 };
  let firstDownload: string | null = null;
  let ingested = 0;
  const deadline = Date.now() + SOAK_MS;

  const cliLoop = (async () => {
    while (Date.now() < deadline) {
      const run = await runCli(dataDir, ["export", "users", "--workspace", server.workspaceId!, "--last-month"], { env: dbEnv });
      check("CLI export", run.code === 0 && run.stderr === "", run);
      counts.cli += 1;
      await sleep(20_000);
    }
  })();

  for (let tick = 0; Date.now() < deadline; tick++) {
    check("server exited", server.child.exitCode === null, server.output());
    const health = await fetch(`${server.base}/health`);
    check("health", health.status === 200, health.status);
    counts.health += 1;
    if (tick % 5 === 0) {
      const gql = await fetch(`${server.base}/graphql`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ query: summaryQuery, variables: JSON.parse(LAST_MONTH) }),
      });
      const body: unknown = await gql.json();
      const summary = SummaryAnswer.safeParse(body).data?.data?.usageSummary;
      check("graphql", gql.status === 200 && summary?.__typename === "QueryUsageSummarySuccess", body);
      counts.graphql += 1;

      const exported = await fetch(`${server.base}/export/users`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: lastMonthBody(),
      });
      const result: unknown = await exported.json();
      const exportedFile = ExportAnswer.safeParse(result).data?.data;
      check("export", exported.status === 200 && !!exportedFile, result);
      counts.exports += 1;
      if (exportedFile) {
        const download = localLink(server, exportedFile.downloadUrl);
        firstDownload ??= download;
        const file = await fetch(download);
        const text = await file.text();
        check("download", file.status === 200 && text.startsWith("period_start,period_end,org_id,user_id,"), [
          file.status,
          text.slice(0, 80),
        ]);
        counts.downloads += 1;
      }

      const ids = [`soak-${tick}-a`, `soak-${tick}-b`];
      const records = ids.map((id) =>
        JSON.stringify({
          type: "message",
          id,
          occurredAt: new Date().toISOString(),
          userId: "soak-user",
          surface: "chat",
          model: "gpt-4o",
          provider: "openai",
          source: "WEB",
        }),
      );
      const ingest = await fetch(`${server.base}/ingest`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/x-ndjson" },
        body: records.join("\n"),
      });
      const ingestBody = await ingest.json();
      check("ingest", ingest.status === 200, ingestBody);
      if (ingest.status === 200) ingested += 2;
      counts.ingests += 1;
    }
    await sleep(1_000);
  }
  await cliLoop;

  // The clean-up job ran in the server: the first export's file is gone, its link still valid.
  const stale = await fetch(firstDownload!);
  expect([stale.status, await stale.json()]).toEqual([404, { error: "Not Found", message: "The export file no longer exists" }]);

  expect(failures).toEqual([]);
  expect(server.output()).not.toMatch(/lost the lock|Unhandled|uncaught|FATAL/i);
  expect(await server.stop()).toBe(0);
  expect(counts.cli).toBeGreaterThanOrEqual(5);
  expect(counts.health).toBeGreaterThan(100);

  // Every record sent was stored once.
  const app = await openApp(parseEnv({ DATA_DIR: dataDir, LOG_LEVEL: "silent", ...dbEnv }));
  try {
    const stored = await app.db.prisma.usageRecord.count({ where: { id: { startsWith: "soak-" } } });
    expect(stored).toBe(ingested);
    expect(ingested).toBe(counts.ingests * 2);
  } finally {
    await app.close();
  }
});
