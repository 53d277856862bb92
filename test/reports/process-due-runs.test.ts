import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createExport } from "../../src/exports/create-export.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import type { Deliverers } from "../../src/reports/delivery/build-deliverer.ts";
import { DeliveryError } from "../../src/reports/delivery/delivery.ts";
import { processDueRuns } from "../../src/reports/process-due-runs.ts";
import { claimNextRun, LEASE_MS, MAX_ATTEMPTS } from "../../src/reports/runs/claim-run.ts";
import { planDueRuns } from "../../src/reports/runs/plan-runs.ts";
import { createSmallWorkspace } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startFakeSlack } from "../helpers/fake-slack.ts";
import { startSmtpCapture } from "../helpers/smtp.ts";

const { url: smtpUrl, received } = await startSmtpCapture();

// A stand-in for Slack's upload endpoints.
const slack = await startFakeSlack();

const db = await testDatabase();
await createSmallWorkspace(db, { id: "ws_e", byok: true });
// 1 November 2026, 06:00 UTC: the monthly runs below are due for October.
const DUE = new Date("2026-11-01T06:00:00Z");
const env = {
  SMTP_URL: smtpUrl,
  SLACK_BOT_TOKEN: "xoxb-test",
  SLACK_API_URL: slack.apiUrl,
};
let clock = DUE;
const app = { ...testApp(db, { env }), now: () => clock };
const { deliverers } = app;

let n = 0;
async function subscribe(channel: "email" | "slack" = "email"): Promise<{ id: string; name: string }> {
  const id = `sub_e${++n}`;
  const name = `Monthly finance ${n}`;
  await db.prisma.reportSubscription.create({
    data: {
      id,
      workspaceId: "ws_e",
      name,
      cadence: "monthly",
      dayOfMonth: 1,
      time: "06:00",
      timezone: "UTC",
      types: [
        { dataType: "users", groupBy: null },
        { dataType: "models", groupBy: "source" },
      ],
      channel,
      recipients: channel === "email" ? ["finance@acme.test"] : [],
      slackChannelId: channel === "slack" ? "C123" : null,
      scheduledFrom: new Date("2026-10-15T00:00:00Z"),
    },
  });
  // Older subscriptions' runs are done: each test sees only its own.
  await db.prisma.reportRun.updateMany({
    where: { subscriptionId: { not: id }, status: { in: ["pending", "running"] } },
    data: { status: "failed" },
  });
  return { id, name };
}
const mailsFor = (name: string) => received.filter((m) => m.subject?.includes(`"${name}"`));
const attempts = (subscriptionId: string) =>
  db.prisma.deliveryAttempt
    .findMany({ where: { run: { subscriptionId } }, orderBy: { attempt: "asc" } })
    .then((l) => l.map((a) => [a.attempt, a.outcome]));

function unzip(zip: Buffer): Record<string, Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "ue-zip-"));
  try {
    writeFileSync(join(dir, "r.zip"), zip);
    const names = execFileSync("unzip", ["-Z1", join(dir, "r.zip")])
      .toString()
      .trim()
      .split("\n");
    return Object.fromEntries(names.map((name) => [name, execFileSync("unzip", ["-p", join(dir, "r.zip"), name])]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("scheduled report delivery", () => {
  test("an email carries a zip whose CSVs equal on-demand exports of the same period, once", async () => {
    const sub = await subscribe();
    clock = DUE;
    expect(await processDueRuns(app, { owner: "w1" })).toMatchObject({ planned: 1, delivered: 1 });
    expect(await processDueRuns(app, { owner: "w1" })).toMatchObject({ planned: 0, delivered: 0 });
    const [mail, ...more] = mailsFor(sub.name);
    expect(more).toEqual([]);
    expect(mail!.subject).toBe(`Usage report "${sub.name}" — 2026-10-01 to 2026-10-31`);
    expect(mail!.to).toMatchObject({ text: "finance@acme.test" });
    const [attachment] = mail!.attachments;
    expect(attachment!.filename).toBe(`monthly-finance-${n}-2026-10-01-2026-10-31.zip`);
    const files = unzip(attachment!.content);
    const period = resolvePeriod({ date: "2026-10-01", timezone: "UTC" }, { date: "2026-10-31", timezone: "UTC" }, DUE);
    for (const [dataType, groupBy] of [
      ["users", null],
      ["models", "source"],
    ] as const) {
      const onDemand = await createExport(app, { workspaceId: "ws_e", dataType, period, groupBy });
      const name = onDemand.filePath
        .split("/")
        .pop()!
        .replace(/-[0-9a-f]{8}\.csv$/, "");
      const entry = Object.keys(files).find((f) => f.startsWith(name))!;
      expect(files[entry]!.equals(readFileSync(onDemand.absolutePath))).toBe(true);
    }
    const manifest = JSON.parse(files["manifest.json"]!.toString());
    expect(manifest).toMatchObject({
      formatVersion: 1,
      noData: false,
      period: { startDate: "2026-10-01", endDate: "2026-10-31", timezone: "UTC" },
    });
    expect(await attempts(sub.id)).toEqual([[1, "delivered"]]);
  });

  test("two schedulers running at the same instant deliver once", async () => {
    const sub = await subscribe();
    clock = DUE;
    const results = await Promise.all([processDueRuns(app, { owner: "a" }), processDueRuns(app, { owner: "b" })]);
    expect(results.reduce((sum, r) => sum + r.delivered, 0)).toBe(1);
    expect(mailsFor(sub.name).length).toBe(1);
  });

  test("a crash between building and sending leads to exactly one delivery after restart", async () => {
    const sub = await subscribe();
    clock = DUE;
    await planDueRuns(db, clock);
    // A worker claims the run and dies before sending: nothing goes out.
    expect(await claimNextRun(db, "crashed", clock)).not.toBeNull();
    expect(await processDueRuns(app, { owner: "restarted" })).toMatchObject({ delivered: 0 });
    expect(mailsFor(sub.name)).toEqual([]);
    // After the lease runs out the restarted service takes it over.
    clock = new Date(DUE.getTime() + LEASE_MS + 1000);
    expect(await processDueRuns(app, { owner: "restarted" })).toMatchObject({ delivered: 1 });
    expect(await processDueRuns(app, { owner: "restarted" })).toMatchObject({ delivered: 0 });
    expect(mailsFor(sub.name).length).toBe(1);
    expect(await attempts(sub.id)).toEqual([
      [1, "abandoned"],
      [2, "delivered"],
    ]);
  });

  test("with SMTP down each attempt is retried with backoff, then the run fails, every attempt logged", async () => {
    const sub = await subscribe();
    const down = { ...testApp(db, { env: { ...env, SMTP_URL: "smtp://127.0.0.1:1" } }), now: () => clock };
    clock = DUE;
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await processDueRuns(down, { owner: "w" });
      const run = await db.prisma.reportRun.findFirstOrThrow({ where: { subscriptionId: sub.id } });
      clock = run.nextAttemptAt; // jump to the end of the backoff
    }
    const run = await db.prisma.reportRun.findFirstOrThrow({ where: { subscriptionId: sub.id } });
    expect([run.status, run.attempts]).toEqual(["failed", MAX_ATTEMPTS]);
    expect(run.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(await attempts(sub.id)).toEqual([
      [1, "retrying"],
      [2, "retrying"],
      [3, "retrying"],
      [4, "retrying"],
      [5, "failed"],
    ]);
  });

  test("a Slack subscription uploads the zip to its channel with the summary", async () => {
    await subscribe("slack");
    clock = DUE;
    expect(await processDueRuns(app, { owner: "w" })).toMatchObject({ delivered: 1 });
    const [upload] = slack.seen.completed;
    expect(upload!.channel_id).toBe("C123");
    expect(upload!.initial_comment).toContain("2026-10-01");
    expect(slack.seen.uploaded[0]!.length).toBeGreaterThan(100);
  });
});

describe("a tick that meets an error", () => {
  test("a run whose outcome can't be recorded (a database error) is logged, the other runs go out, and the next tick takes it over", async () => {
    const poisoned = await subscribe();
    const healthy = await subscribe();
    clock = DUE;
    let poison = true;
    const flaky: Deliverers = {
      ...deliverers,
      email: {
        attachmentLimitBytes: deliverers.email!.attachmentLimitBytes,
        close: () => undefined,
        // PostgreSQL refuses a NUL byte in text: recording this failure throws a real database error.
        deliver: (file, message, to) =>
          poison && message.subject.includes(`"${poisoned.name}"`)
            ? Promise.reject(new DeliveryError("550 rejected\u0000", false))
            : deliverers.email!.deliver(file, message, to),
      },
    };
    expect(await processDueRuns({ ...app, deliverers: flaky }, { owner: "w" })).toMatchObject({ planned: 2, delivered: 1, errored: 1 });
    expect(mailsFor(healthy.name).length).toBe(1);
    expect(mailsFor(poisoned.name)).toEqual([]);

    poison = false;
    clock = new Date(DUE.getTime() + LEASE_MS + 1000);
    expect(await processDueRuns({ ...app, deliverers: flaky }, { owner: "w" })).toMatchObject({ delivered: 1, errored: 0 });
    expect(mailsFor(poisoned.name).length).toBe(1);
    expect(await attempts(poisoned.id)).toEqual([
      [1, "abandoned"],
      [2, "delivered"],
    ]);
  });

  test("a subscription whose runs can't be inserted is logged, and the others are planned and delivered", async () => {
    const broken = await subscribe();
    const fine = await subscribe();
    clock = DUE;
    // A real database error on the broken subscription's insert only.
    await db.withRawSession((s) =>
      s.exec(`create function refuse_run() returns trigger language plpgsql as $$ begin raise exception 'could not extend file'; end $$;
        create trigger refuse_run before insert on report_runs for each row when (new.subscription_id = '${broken.id}') execute function refuse_run();`),
    );
    try {
      expect(await processDueRuns(app, { owner: "w" })).toMatchObject({ planned: 1, delivered: 1 });
    } finally {
      await db.withRawSession((s) => s.exec("drop trigger refuse_run on report_runs; drop function refuse_run();"));
    }
    expect(mailsFor(fine.name).length).toBe(1);
    // The next tick plans and delivers the skipped one.
    expect(await processDueRuns(app, { owner: "w" })).toMatchObject({ planned: 1, delivered: 1 });
    expect(mailsFor(broken.name).length).toBe(1);
  });
});
