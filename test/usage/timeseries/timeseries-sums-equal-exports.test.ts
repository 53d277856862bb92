import { DateTime } from "luxon";
import { describe, expect, test } from "vitest";
import type { Workspace } from "../../../src/generated/prisma/client.ts";
import { resolvePeriod, type Period } from "../../../src/periods/period.ts";
import { DATA_TYPE_SLICES } from "../../../src/usage/registry.ts";
import { queryRows } from "../../../src/usage/shared/usage-query.ts";
import type { BucketWidth } from "../../../src/usage/timeseries/buckets.ts";
import type { TimeSeriesGroupKey } from "../../../src/usage/timeseries/group-keys.ts";
import { readTimeSeries } from "../../../src/usage/timeseries/read-timeseries.ts";
import type { TimeSeries, TimeSeriesBucket } from "../../../src/usage/timeseries/result.ts";
import { testDatabase } from "../../helpers/database.ts";
import { createTimeSeriesWorkspace, TS_NOW } from "./timeseries-fixture.ts";

// Every bucket of a time series is a period of its own: each group's numbers
// must equal the matching export of exactly that period (models by model, users
// by department, API keys by key), in zones with a DST change.

const db = await testDatabase();
await createTimeSeriesWorkspace(db, { id: "ws_ts", byok: true, firstWeekday: 1 });
const workspace: Workspace = await db.prisma.workspace.findUniqueOrThrow({ where: { id: "ws_ts" } });

const NY = "America/New_York";
const period = (from: string, to: string, timezone = NY) => resolvePeriod({ date: from, timezone }, { date: to, timezone }, TS_NOW);
const series = (p: Period, bucketWidth: BucketWidth, groupBy: TimeSeriesGroupKey[], rawOnly = false) =>
  readTimeSeries({ db }, { workspace, period: p, bucketWidth, groupBy, rawOnly }).series();

/** A bucket as an export period: its first and last millisecond as wall-clock times of the zone. */
function bucketPeriod(b: TimeSeriesBucket, timezone: string): Period {
  const local = (d: Date) => DateTime.fromJSDate(d, { zone: timezone }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS");
  return period(local(b.start), local(new Date(b.end.getTime() - 1)), timezone);
}

/** Adds `values` to the sums under `key`. */
function add(sums: Map<string, number[]>, key: string | null, values: number[]) {
  const k = key ?? "∅";
  const s = sums.get(k) ?? values.map(() => 0);
  sums.set(
    k,
    s.map((v, i) => v + (values[i] ?? 0)),
  );
}
/** Micro-dollars, so sums of money strings are exact. */
const micros = (usd: string) => Math.round(Number(usd) * 1e6);
const withoutZeros = (sums: Map<string, number[]>) => new Map([...sums].filter(([, v]) => v.some((n) => n !== 0)));

async function exportSums(p: Period) {
  const input = { workspace, period: p, groupBy: null };
  const models = new Map<string, number[]>();
  for (const r of await queryRows(db, DATA_TYPE_SLICES.models.query, input))
    add(models, r.name, [
      r.requests,
      r.sumPromptTokens,
      r.sumCompletionTokens,
      r.sumCachedPromptTokens,
      r.sumCacheCreationTokens,
      r.noCacheTokens,
      micros(r.totalCostUsd),
    ]);
  const departments = new Map<string, number[]>();
  for (const r of await queryRows(db, DATA_TYPE_SLICES.users.query, input)) add(departments, r.department, [r.messagesTotal]);
  const keys = new Map<string, number[]>();
  for (const r of await queryRows(db, DATA_TYPE_SLICES.api_keys.query, input)) add(keys, r.apiKeyId, [r.requests]);
  return { models, departments: withoutZeros(departments), keys: withoutZeros(keys) };
}

function bucketOf(s: TimeSeries, i: number) {
  const bucket = s.buckets[i];
  if (!bucket) throw new Error(`no bucket ${i}`);
  return bucket;
}

const CASES: { name: string; from: string; to: string; timezone: string; width: BucketWidth; buckets: number }[] = [
  { name: "hours around New York's spring-forward", from: "2026-03-07", to: "2026-03-08", timezone: NY, width: "1h", buckets: 47 },
  {
    name: "hours of Berlin's spring-forward day",
    from: "2026-03-29",
    to: "2026-03-29",
    timezone: "Europe/Berlin",
    width: "1h",
    buckets: 23,
  },
  { name: "days in New York", from: "2026-03-01", to: "2026-03-20", timezone: NY, width: "1d", buckets: 20 },
  { name: "UTC days (whole days from the rollups)", from: "2026-03-01", to: "2026-03-20", timezone: "UTC", width: "1d", buckets: 20 },
  { name: "weeks from Monday in New York", from: "2026-02-22", to: "2026-04-04", timezone: NY, width: "1w", buckets: 7 },
  { name: "months in Berlin", from: "2026-02-20", to: "2026-04-05", timezone: "Europe/Berlin", width: "1mo", buckets: 3 },
];

describe("each bucket equals the exports of its own period", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const p = period(c.from, c.to, c.timezone);
      const [byModel, byDepartment, byKey] = await Promise.all([
        series(p, c.width, ["model"]),
        series(p, c.width, ["department"]),
        series(p, c.width, ["api_key"]),
      ]);
      expect(byModel.buckets).toHaveLength(c.buckets);
      let requests = 0;
      for (let i = 0; i < c.buckets; i++) {
        const expected = await exportSums(bucketPeriod(bucketOf(byModel, i), c.timezone));
        const models = new Map<string, number[]>();
        for (const r of bucketOf(byModel, i).results)
          add(models, r.keys[0] ?? null, [
            r.requests,
            r.inputTokens,
            r.outputTokens,
            r.cachedPromptTokens,
            r.cacheCreationTokens,
            r.noCacheTokens,
            micros(r.costUsd),
          ]);
        expect(models).toEqual(expected.models);
        const departments = new Map<string, number[]>();
        for (const r of bucketOf(byDepartment, i).results) add(departments, r.keys[0] ?? null, [r.messages]);
        expect(withoutZeros(departments)).toEqual(expected.departments);
        const keys = new Map<string, number[]>();
        for (const r of bucketOf(byKey, i).results) if (r.keys[0] !== null) add(keys, r.keys[0] ?? null, [r.requests]);
        expect(keys).toEqual(expected.keys);
        requests += bucketOf(byModel, i).results.reduce((a, r) => a + r.requests, 0);
      }
      expect(requests).toBeGreaterThan(0);
    });
  }
});

describe("buckets", () => {
  test("every bucket is present; the days without records have no results", async () => {
    // No record from 2026-03-15T00:00Z to 2026-03-17T00:00Z: 15 March in New York (EDT: 04:00Z–04:00Z) is empty.
    for (const groupBy of [[], ["model", "user"]] satisfies TimeSeriesGroupKey[][]) {
      const s = await series(period("2026-03-14", "2026-03-16"), "1d", groupBy);
      expect(s.buckets.map((b) => [b.start.toISOString(), b.results.length > 0])).toEqual([
        ["2026-03-14T04:00:00.000Z", true],
        ["2026-03-15T04:00:00.000Z", false],
        ["2026-03-16T04:00:00.000Z", true],
      ]);
      expect(s.buckets[1]?.results).toEqual([]);
    }
  });

  test("without group_by, one result per non-empty bucket: messages and requests of all records", async () => {
    const s = await series(period("2026-03-01", "2026-03-31"), "1mo", []);
    const e = await exportSums(period("2026-03-01", "2026-03-31"));
    const [result] = s.buckets[0]?.results ?? [];
    expect(s.buckets[0]?.results).toHaveLength(1);
    expect(result?.keys).toEqual([]);
    expect(result?.requests).toBe([...e.models.values()].reduce((a, v) => a + (v[0] ?? 0), 0));
    expect(result?.messages).toBe([...e.departments.values()].reduce((a, v) => a + (v[0] ?? 0), 0));
  });

  test("results are ordered by requests descending, then by the keys", async () => {
    const s = await series(period("2026-03-01", "2026-03-31"), "1w", ["provider", "source"]);
    for (const b of s.buckets) {
      const order = b.results.map((r) => [-r.requests, ...r.keys.map((k) => k ?? "")]);
      const sorted = [...order].sort((x, y) => {
        for (let i = 0; i < x.length; i++) {
          const a = x[i] ?? "";
          const c = y[i] ?? "";
          if (a !== c) return a < c ? -1 : 1;
        }
        return 0;
      });
      expect(order).toEqual(sorted);
    }
  });

  test("the department is the user's as of each bucket's end (u1: Sales until 2026-03-10T15:00Z, then Research)", async () => {
    const s = await series(period("2026-03-09", "2026-03-10"), "1d", ["user", "department"]);
    const u1 = s.buckets.map((b) => b.results.filter((r) => r.keys[0] === "u1").map((r) => r.keys[1]));
    expect(u1).toEqual([["Sales"], ["Research"]]);
    const apiRequests = s.buckets.flatMap((b) => b.results.filter((r) => r.keys[0] === null));
    expect(apiRequests.length).toBeGreaterThan(0);
    for (const r of apiRequests) expect([r.keys[1], r.messages]).toEqual([null, 0]);
  });

  test("rollups and raw records give the same series (UTC days and weeks read whole days from the rollups)", async () => {
    for (const [timezone, width] of [
      ["UTC", "1d"],
      ["UTC", "1w"],
      [NY, "1mo"],
      [NY, "1h"],
    ] as const) {
      const p = width === "1h" ? period("2026-03-08", "2026-03-09", timezone) : period("2026-02-20", "2026-04-05", timezone);
      const groupBy: TimeSeriesGroupKey[] = ["deployment", "user", "agent", "project", "model"];
      expect(await series(p, width, groupBy)).toEqual(await series(p, width, groupBy, true));
    }
  });
});
