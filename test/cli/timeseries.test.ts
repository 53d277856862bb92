import { beforeAll, describe, expect, test } from "vitest";
import { recentUsageCli } from "./usage-fixture.ts";

const { cli, seeded } = recentUsageCli();
let ws: string;
let from: string;
let to: string;
beforeAll(() => ({ workspaceId: ws, from, to } = seeded()));

describe("usage-exports timeseries", () => {
  test("prints the series as JSON, the REST answer's data", async () => {
    const run = await cli("timeseries", "--workspace", ws, "--from", from, "--to", to, "--bucket-width", "1d", "--group-by", "user");
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(run.json).toEqual({
      bucketWidth: "1d",
      dateRange: { from: `${from}T00:00:00.000Z`, to: `${to}T23:59:59.999Z` },
      buckets: [
        { start: `${from}T00:00:00.000Z`, end: `${to}T00:00:00.000Z`, results: [{ user: "u1", messages: 2, requests: 2 }] },
        {
          start: `${to}T00:00:00.000Z`,
          end: expect.stringMatching(/T00:00:00\.000Z$/),
          results: [{ user: "u2", messages: 1, requests: 1 }],
        },
      ],
    });
  });

  test("--format csv prints the CSV itself", async () => {
    const run = await cli("timeseries", "--workspace", ws, "--from", from, "--to", to, "--bucket-width", "1w", "--format", "csv");
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).toMatch(
      /^bucket_start,bucket_end,messages,requests\r\n\d{4}-\d{2}-\d{2}T00:00:00\.000Z,\d{4}-\d{2}-\d{2}T00:00:00\.000Z,\d,\d\r\n/,
    );
    const rows = run.stdout.trimEnd().split("\r\n").slice(1);
    expect(
      rows.map((r) => r.split(",").slice(2).map(Number)).reduce((a, [m = 0, q = 0]) => [(a[0] ?? 0) + m, (a[1] ?? 0) + q], [0, 0]),
    ).toEqual([3, 3]);
  });

  test("bad flags are named", async () => {
    const run = await cli("timeseries", "--workspace", ws, "--from", from, "--to", to, "--bucket-width", "2h", "--group-by", "user,team");
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      '--bucket-width "2h" is not one of 1h, 1d, 1w, 1mo; --group-by "team" is not one of model, provider, source, deployment, user, department, agent, project, api_key\n',
    );
  });
});
