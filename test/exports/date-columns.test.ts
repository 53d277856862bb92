import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { createExport } from "../../src/exports/create-export.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { exportDate } from "../../src/usage/shared/directory-dates.ts";
import { userUsage } from "../../src/usage/users/query.ts";
import { queryRows } from "../../src/usage/shared/usage-query.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";

// SPEC §7: a calendar date is written as given in every export, whatever its time
// zone; an instant is written as its date in the export's time zone. Membership
// starts at a calendar date's midnight in the workspace's time zone.

const NOW = new Date("2025-04-10T12:00:00Z");
const db = await testDatabase();
const app = testApp(db, { now: NOW });

const chat = (id: string, userId: string, occurredAt: string) => ({
  type: "message",
  id,
  occurredAt,
  userId,
  surface: "chat",
  model: "gpt-4o",
  provider: "openai",
  source: "WEB",
});

await db.prisma.workspace.create({ data: { id: "ws_dates", name: "Dates", timezone: "UTC" } });
await ingestRecords(
  db,
  "ws_dates",
  [
    { type: "user", id: "u_calendar", joinedAt: "2025-03-14" },
    { type: "user", id: "u_instant", joinedAt: "2025-03-14T02:00:00Z" },
    // Far edges of the instants ingestion accepts: usage lists them whatever their dates.
    { type: "user", id: "u_first", joinedAt: "0001-01-01T00:00:00Z" },
    { type: "user", id: "u_last", joinedAt: "9999-12-31T23:59:59.999Z" },
    chat("m1", "u_calendar", "2025-03-20T12:00:00Z"),
    chat("m2", "u_last", "2025-03-20T12:00:00Z"),
  ],
  { now: NOW },
);

const march = (timezone: string) => resolvePeriod({ date: "2025-03-01", timezone }, { date: "2025-03-31", timezone }, NOW);

/** `user_id → joined_at` as written in the users CSV of March in `timezone`. */
async function joinedAtColumn(timezone: string): Promise<Record<string, string>> {
  const result = await createExport(app, { workspaceId: "ws_dates", dataType: "users", period: march(timezone) });
  const [header, ...rows] = (await readFile(result.absolutePath, "utf8"))
    .trimEnd()
    .split("\r\n")
    .map((l) => l.split(","));
  const id = header!.indexOf("user_id");
  const joined = header!.indexOf("joined_at");
  return Object.fromEntries(rows.map((r) => [r[id], r[joined]]));
}

describe("joined_at in exports of different time zones", () => {
  test("west of UTC (America/Los_Angeles): the calendar date as given, the instant on the day before", async () => {
    expect(await joinedAtColumn("America/Los_Angeles")).toEqual({
      u_calendar: "2025-03-14",
      u_instant: "2025-03-13",
      u_first: "0001-01-01",
      u_last: "9999-12-31",
    });
  });

  test("east of UTC (Asia/Tokyo): the calendar date as given, the instant on its UTC day", async () => {
    expect(await joinedAtColumn("Asia/Tokyo")).toEqual({
      u_calendar: "2025-03-14",
      u_instant: "2025-03-14",
      u_first: "0001-01-01",
      u_last: "9999-12-31",
    });
  });
});

describe("exportDate", () => {
  test.each([
    ["2025-03-14", "Pacific/Kiritimati", "2025-03-14"],
    ["2025-03-14T02:00:00.000Z", "America/Los_Angeles", "2025-03-13"],
    ["2025-03-14T02:00:00.000Z", "Asia/Tokyo", "2025-03-14"],
    // Year 1 at UTC midnight is still 1 BC in Los Angeles, year 9999's last hour already 10000 in Tokyo.
    ["0001-01-01T00:00:00.000Z", "America/Los_Angeles", "0001-01-01"],
    ["9999-12-31T23:00:00.000Z", "Asia/Tokyo", "9999-12-31"],
    ["0005-06-01T12:00:00.000Z", "UTC", "0005-06-01"],
    ["0999-12-31T23:00:00.000Z", "Asia/Tokyo", "1000-01-01"],
  ])("writes %s in %s as %s", (stored, zone, written) => {
    expect(exportDate(stored, zone)).toBe(written);
  });
});

describe("membership dates read in the workspace's time zone", () => {
  const february = resolvePeriod({ date: "2025-02-01", timezone: "UTC" }, { date: "2025-02-28", timezone: "UTC" }, NOW);
  const marchUtc = march("UTC");

  async function members(workspaceId: string, period = february): Promise<string[]> {
    const rows = await queryRows(db, userUsage, {
      workspace: { id: workspaceId, byok: false, userLevelData: true },
      period,
      groupBy: null,
    });
    return rows.map((r) => r.userId);
  }

  for (const [timezone, inFebruary] of [
    ["Asia/Tokyo", ["joins_1_march"]],
    ["UTC", []],
  ] as const) {
    test(`joined 1 March (a calendar date) is a member in February's last UTC hours only when the workspace is ${timezone}`, async () => {
      const ws = `ws_join_${timezone.replace("/", "_")}`;
      await db.prisma.workspace.create({ data: { id: ws, name: "Join", timezone } });
      await ingestRecords(db, ws, [{ type: "user", id: "joins_1_march", joinedAt: "2025-03-01" }], { now: NOW });
      expect(await members(ws)).toEqual(inFebruary);
      expect(await members(ws, marchUtc)).toEqual(["joins_1_march"]);
    });
  }

  test("removed on 1 March (a calendar date, UTC workspace) is a member in February, not in March", async () => {
    await db.prisma.workspace.create({ data: { id: "ws_leave", name: "Leave", timezone: "UTC" } });
    await ingestRecords(db, "ws_leave", [{ type: "user", id: "leaves", joinedAt: "2024-01-01", removedAt: "2025-03-01" }], { now: NOW });
    expect(await members("ws_leave")).toEqual(["leaves"]);
    expect(await members("ws_leave", marchUtc)).toEqual([]);
  });
});
