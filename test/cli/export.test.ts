import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { recentUsageCli } from "./usage-fixture.ts";

const { dataDir, cli, seeded } = recentUsageCli();
let ws: string;
let from: string;
let to: string;
beforeAll(() => ({ workspaceId: ws, from, to } = seeded()));

const ExportJson = z.object({
  filePath: z.string(),
  downloadUrl: z.string(),
  dataType: z.string(),
  recordCount: z.number(),
  dateRange: z.object({ from: z.string(), to: z.string() }),
  absolutePath: z.string(),
  output: z.string().optional(),
});

describe("usage-exports export", () => {
  test("a custom range prints the export's JSON and leaves the CSV in the store", async () => {
    const run = await cli("export", "users", "--workspace", ws, "--from", from, "--to", to);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    // The keys as printed, in order (a record keeps them; the parse below keeps only the schema's).
    expect(Object.keys(z.record(z.string(), z.unknown()).parse(run.json))).toEqual([
      "filePath",
      "downloadUrl",
      "dataType",
      "recordCount",
      "dateRange",
      "absolutePath",
    ]);
    const result = ExportJson.parse(run.json);
    expect(result).toMatchObject({
      dataType: "users",
      recordCount: 2,
      dateRange: { from: `${from}T00:00:00.000Z`, to: `${to}T23:59:59.999Z` },
      absolutePath: join(dataDir, "exports", result.filePath),
    });
    expect(result.filePath).toMatch(new RegExp(`^users-usage/${ws}/users-usage-${from}-${to}-[0-9a-f]{8}\\.csv$`));
    const csv = readFileSync(result.absolutePath, "utf8").split("\r\n");
    expect(csv[0]!.startsWith("period_start,period_end,org_id,")).toBe(true);
    expect(csv.filter((line) => line.includes("@export.test")).length).toBe(2);
  });

  test("-o copies the CSV to the file and the JSON names it", async () => {
    const out = join(dataDir, "users.csv");
    const run = await cli("export", "assistants", "--workspace", ws, "--from", from, "--to", to, "-o", out);
    expect(run.code).toBe(0);
    const result = ExportJson.parse(run.json);
    expect([result.dataType, result.output]).toEqual(["assistants", out]);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(result.absolutePath, "utf8"));
  });

  test("the presets cover the current month and week in the workspace's time zone, or --tz", async () => {
    const month = ExportJson.parse((await cli("export", "models", "--workspace", ws, "--this-month")).json);
    const today = new Date();
    const monthStart = `${today.toISOString().slice(0, 7)}-01T00:00:00.000Z`;
    expect(month.dateRange.from).toBe(monthStart);
    const week = ExportJson.parse((await cli("export", "models", "--workspace", ws, "--this-week", "--tz", "Asia/Tokyo")).json);
    // Weeks start on Sunday (the workspace's default); Tokyo's midnight is 15:00 UTC the day before.
    const start = new Date(week.dateRange.from);
    expect([start.getUTCHours(), (start.getUTCDay() + 1) % 7]).toEqual([15, 0]);
    expect(new Date(week.dateRange.to).getTime() - start.getTime()).toBe(7 * 86_400_000 - 1);
  });

  test("a range without usage is the service's 404 message", async () => {
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const run = await cli("export", "models", "--workspace", ws, "--from", day(60), "--to", day(30));
    expect([run.code, run.stdout, run.stderr]).toEqual([1, "", "No usage data found for the selected period\n"]);
  });

  test("bad flags exit 1 and name the flag", async () => {
    const cases: [string[], string][] = [
      [
        ["export", "users", "--workspace", ws],
        "choose one period: --last-month, --this-month, --last-week, --this-week, or --from D --to D",
      ],
      [
        ["export", "users", "--workspace", ws, "--last-month", "--this-week"],
        "choose one period: --last-month, --this-month, --last-week, --this-week, or --from D --to D",
      ],
      [["export", "users", "--workspace", ws, "--from", from], "--from and --to must be given together"],
      [
        ["export", "users", "--workspace", ws, "--from", "2026-02-30", "--to", to],
        '--from "2026-02-30" is not a real calendar date and time',
      ],
      [["export", "users", "--workspace", ws, "--from", to, "--to", from], "--from must not be later than --to"],
      [["export", "users", "--workspace", ws, "--last-month", "--tz", "Mars/Base"], '--tz "Mars/Base" is not a known IANA time zone'],
      [
        ["export", "users", "--workspace", ws, "--last-month", "--group-by", "source"],
        '--group-by "source" is not valid for users (expected model)',
      ],
      [["export", "projects", "--workspace", ws, "--last-month", "--group-by", "model"], "--group-by is not available for projects"],
      [
        ["export", "models", "--workspace", ws, "--last-month", "--group-by", "deployment"],
        '--group-by "deployment" is only available for BYOK workspaces',
      ],
      [
        ["export", "widgets", "--workspace", ws, "--last-month"],
        'dataType "widgets" is not one of users, agents, assistants, api_keys, projects, models',
      ],
      [["export", "users", "--last-month"], "--workspace is required"],
      [["export", "users", "--workspace", "ws_nope", "--last-month"], 'Workspace "ws_nope" not found'],
    ];
    for (const [args, message] of cases) {
      const run = await cli(...args);
      expect([args.join(" "), run.code, run.stdout, run.stderr]).toEqual([args.join(" "), 1, "", `${message}\n`]);
    }
  }, 180_000);

  test("a range reaching back more than 12 months is refused", async () => {
    const run = await cli("export", "users", "--workspace", ws, "--from", "2000-01-01", "--to", to);
    expect([run.code, run.stderr]).toEqual([1, "--from: Historical data is limited to 12 months\n"]);
  });
});
