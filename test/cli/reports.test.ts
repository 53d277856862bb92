import { describe, expect, test } from "vitest";
import { z } from "zod";
import { startSmtpCapture } from "../helpers/smtp.ts";
import { parseTypes, parseWeekday } from "../../src/cli/commands/reports.ts";
import { runCli, tempDataDir } from "./run-cli.ts";

const { url: smtpUrl, received } = await startSmtpCapture();
const env = { SMTP_URL: smtpUrl };

const dataDir = tempDataDir();
const cli = (...args: string[]) => runCli(dataDir, args, { env });

// The CLI's printed results, as far as these tests read them.
const WorkspaceJson = z.object({ workspaceId: z.string() });
const ListJson = z.array(z.object({ id: z.string(), types: z.unknown(), nextRuns: z.array(z.string()) }));
const HistoryJson = z.array(z.object({ kind: z.string(), status: z.string(), attempts: z.array(z.object({ outcome: z.string() })) }));

describe("usage-exports reports", () => {
  test("create, list, run-due and history work end to end, delivering once", async () => {
    const ws = WorkspaceJson.parse((await cli("workspace", "create", "--name", "Reports Co")).json);
    const created = await cli(
      "reports",
      "create",
      "--workspace",
      ws.workspaceId,
      "--name",
      "Weekly ops",
      "--weekly",
      "monday",
      "--at",
      "08:00",
      "--tz",
      "Europe/Berlin",
      "--types",
      "users,agents:model",
      "--email",
      "ops@acme.test",
    );
    expect(created.stderr).toBe("");
    const { subscriptionId } = z.object({ subscriptionId: z.string() }).parse(created.json);
    expect(subscriptionId).toMatch(/^sub_/);

    const list = ListJson.parse((await cli("reports", "list", "--workspace", ws.workspaceId)).json);
    expect(list.map((s) => [s.id, s.types])).toEqual([
      [
        subscriptionId,
        [
          { dataType: "users", groupBy: null },
          { dataType: "agents", groupBy: "model" },
        ],
      ],
    ]);
    const firstRun = list[0]!.nextRuns[0]!;

    // At the first run time, once; a second call finds nothing left.
    const due = await cli("reports", "run-due", "--now", firstRun);
    expect(due.json).toEqual({ planned: 1, delivered: 1, retrying: 0, failed: 0, "lost-lease": 0, errored: 0 });
    expect((await cli("reports", "run-due", "--now", firstRun)).json).toMatchObject({ planned: 0, delivered: 0 });
    const mails = received.filter((m) => m.subject?.startsWith('Usage report "Weekly ops"'));
    expect(mails.length).toBe(1);
    expect(mails[0]!.text).toContain("No usage was recorded in this period");

    const history = HistoryJson.parse((await cli("reports", "history", "--subscription", subscriptionId)).json);
    expect(history.map((r) => [r.kind, r.status, r.attempts.map((a) => a.outcome)])).toEqual([["scheduled", "delivered", ["delivered"]]]);
  }, 180_000); // a dozen CLI processes, each starting tsx

  test("a data type given twice is kept once, in the order of first appearance", async () => {
    const ws = WorkspaceJson.parse((await cli("workspace", "create", "--name", "Repeats Co")).json);
    const created = await cli(
      "reports",
      "create",
      "--workspace",
      ws.workspaceId,
      "--name",
      "Repeats",
      "--monthly",
      "1",
      "--at",
      "08:00",
      "--tz",
      "UTC",
      "--types",
      "users,agents:model,users,assistants:model,users",
      "--email",
      "ops@acme.test",
    );
    expect(created.code).toBe(0);
    const list = ListJson.parse((await cli("reports", "list", "--workspace", ws.workspaceId)).json);
    expect(list.map((s) => s.types)).toEqual([
      [
        { dataType: "users", groupBy: null },
        { dataType: "agents", groupBy: "model" },
      ],
    ]);
  }, 120_000);

  test("bad flags are each named, and nothing is created", async () => {
    const ws = WorkspaceJson.parse((await cli("workspace", "create", "--name", "Flags Co")).json);
    const run = await cli(
      "reports",
      "create",
      "--workspace",
      ws.workspaceId,
      "--name",
      "x",
      "--weekly",
      "funday",
      "--monthly",
      "3",
      "--at",
      "25:00",
      "--tz",
      "UTC",
      "--types",
      "users:source",
      "--email",
      "a@b.test",
    );
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr).toContain("give exactly one of --weekly DAY or --monthly DAY_OF_MONTH");
    const bad = await cli(
      "reports",
      "create",
      "--workspace",
      ws.workspaceId,
      "--name",
      "x",
      "--weekly",
      "funday",
      "--at",
      "25:00",
      "--tz",
      "UTC",
      "--types",
      "users:source",
      "--slack",
      "C1",
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('time "25:00" must be HH:MM (24-hour)');
    expect(bad.stderr).toContain("weekday must be 0 (Sunday) to 6 (Saturday)");
    expect(bad.stderr).toContain('types: group_by "source" is not valid for users (expected model)');
    expect((await cli("reports", "list", "--workspace", ws.workspaceId)).json).toEqual([]);
    expect((await cli("reports", "run-due", "--now", "soon")).stderr).toContain('--now "soon" is not an ISO 8601 date-time');
  });

  test("weekdays and type lists are read leniently but exactly", () => {
    expect(["monday", "Mon", "1", "sun", "saturday", "x", "m"].map(parseWeekday)).toEqual([1, 1, 1, 0, 6, -1, -1]);
    expect(parseTypes("users, agents:model,,models:source")).toEqual([
      { dataType: "users", groupBy: null },
      { dataType: "agents", groupBy: "model" },
      { dataType: "models", groupBy: "source" },
    ]);
  });
});
