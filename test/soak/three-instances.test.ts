import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, expect, test } from "vitest";
import { ExportAnswer } from "../helpers/answers.ts";
import { testDatabaseUrl } from "../helpers/database.ts";
import { startFakeSlack } from "../helpers/fake-slack.ts";
import { sample, scrape } from "../helpers/prometheus.ts";
import { localLink, type ServerProcess, startServer } from "./server-process.ts";

/**
 * Three instances of the compiled server on one PostgreSQL database and one
 * shared DATA_DIR (the volume export files live on), as behind a load
 * balancer: links, rate limits, report deliveries and metrics must each be
 * one truth, or each instance's own, as documented. PostgreSQL only: the
 * embedded database belongs to one process.
 */
const METRICS_TOKEN = "three-instances-metrics-token";
const LAST_MONTH = (() => {
  const now = new Date();
  const day = (d: Date) => ({ date: d.toISOString().slice(0, 10), timezone: "UTC" });
  return JSON.stringify({
    from: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))),
    to: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0))),
  });
})();

// Hooks belong at the top level: vitest never runs an afterAll registered inside a test or a hook.
const databaseUrl = process.env.DATABASE_URL ? await testDatabaseUrl() : null;
// Made only where the test runs: a file whose tests are all skipped runs none of its hooks, so it would stay behind.
const dataDir = databaseUrl ? mkdtempSync(join(tmpdir(), "ue-three-")) : "";
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const slack = await startFakeSlack();
const servers: ServerProcess[] = [];
afterAll(() => Promise.all(servers.map((s) => s.kill())));

test.skipIf(!databaseUrl)(
  "three instances share links, one rate limit, each report run once, and count their own requests",
  {
    timeout: 300_000,
  },
  async () => {
    const env = {
      DATABASE_URL: databaseUrl!,
      METRICS_TOKEN,
      SLACK_BOT_TOKEN: "xoxb-three-instances",
      SLACK_API_URL: slack.apiUrl,
      // Every instance's scheduler looks for due runs every 2 seconds: they race for each run.
      JOB_SCHEDULES: "deliver-reports=*/2 * * * * *",
    };
    servers.push(await startServer(dataDir, env));
    servers.push(...(await Promise.all([startServer(dataDir, env), startServer(dataDir, env)])));
    const a = servers[0]!;
    const auth = { authorization: `Bearer ${a.apiKey}`, "content-type": "application/json" };
    const exportOn = (s: ServerProcess) => fetch(`${s.base}/export/models`, { method: "POST", headers: auth, body: LAST_MONTH });
    const before = await Promise.all(servers.map((s) => scrape(`${s.base}/metrics`, METRICS_TOKEN)));

    // A link made by one instance downloads from the others, byte for byte.
    const made = ExportAnswer.parse(await (await exportOn(a)).json());
    const bodies = await Promise.all(servers.map(async (s) => (await fetch(localLink(s, made.data.downloadUrl))).text()));
    expect(bodies[0]!.startsWith("period_start,period_end,org_id,name,provider")).toBe(true);
    expect(bodies[1]).toBe(bodies[0]);
    expect(bodies[2]).toBe(bodies[0]);

    // 61 export requests within the minute, round robin, one key: the 61st alone is refused.
    const statuses = [200];
    for (let i = 1; i < 61; i++) statuses.push((await exportOn(servers[i % 3]!)).status);
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(200));
    expect(statuses[60]).toBe(429);

    // Each instance counts its own requests: 21, 20 and 20 (the 429 was the 61st, on instance a).
    const after = await Promise.all(servers.map((s) => scrape(`${s.base}/metrics`, METRICS_TOKEN)));
    const exportsOf = (i: number, status: string) =>
      sample(after[i]!, "http_request_duration_seconds", { route: "/export/{type}", method: "POST", status }) -
      sample(before[i]!, "http_request_duration_seconds", { route: "/export/{type}", method: "POST", status });
    expect([0, 1, 2].map((i) => exportsOf(i, "200"))).toEqual([20, 20, 20]);
    expect([0, 1, 2].map((i) => exportsOf(i, "429"))).toEqual([1, 0, 0]);

    // A monthly Slack report three months behind: three runs due, raced for by three schedulers.
    const client = new pg.Client({ connectionString: databaseUrl! });
    await client.connect();
    try {
      const now = new Date();
      const scheduledFrom = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3, 2));
      await client.query(
        `insert into report_subscriptions (id, workspace_id, name, cadence, day_of_month, time, timezone, types, channel, recipients, slack_channel_id, scheduled_from)
       values ('sub_three', $1, 'Monthly models', 'monthly', 1, '00:00', 'UTC', '[{"dataType":"models","groupBy":null}]', 'slack', '{}', 'C3', $2)`,
        [a.workspaceId, scheduledFrom],
      );
      let runs: { status: string; attempts: number; lease_owner: string }[] = [];
      for (let i = 0; i < 120; i++) {
        runs = (
          await client.query(
            `select status::text, attempts, lease_owner from report_runs where subscription_id = 'sub_three' order by due_at`,
          )
        ).rows;
        if (runs.length === 3 && runs.every((r) => r.status === "delivered")) break;
        await sleep(500);
      }
      expect(runs.map((r) => [r.status, r.attempts])).toEqual([
        ["delivered", 1],
        ["delivered", 1],
        ["delivered", 1],
      ]);
      // Once per run, whichever instance took it; a few seconds more bring no second delivery.
      await sleep(5_000);
      expect(slack.seen.completed.map((call) => call.channel_id)).toEqual(["C3", "C3", "C3"]);
      const attempts = await client.query(`select count(*)::int as n from delivery_attempts d join report_runs r on r.id = d.run_id
      where r.subscription_id = 'sub_three'`);
      expect(attempts.rows[0].n).toBe(3);
    } finally {
      await client.end();
    }
    for (const s of servers) expect(s.child.exitCode).toBe(null);
  },
);
