import { describe, expect, test } from "vitest";
import { AppError } from "../../src/errors/app-error.ts";
import { createExport } from "../../src/exports/create-export.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { userUsage } from "../../src/usage/users/query.ts";
import { queryRows } from "../../src/usage/shared/usage-query.ts";
import { createSmallWorkspace, FIXTURE_NOW } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { expectInstanceOf } from "../helpers/expect.ts";

const db = await testDatabase();
const app = testApp(db, { now: FIXTURE_NOW });
await createSmallWorkspace(db, { id: "ws_p" });
const workspace = { id: "ws_p", byok: false, userLevelData: true };

describe("exports read the period in the request's time zone", () => {
  test("October in Berlin (across the DST change) moves the edge records", async () => {
    // m9 (2026-09-30T23:59:59.999Z) is 1 October 01:59 in Berlin: inside.
    // m7 (2026-10-31T23:59:59.999Z) is 1 November 00:59 in Berlin (UTC+1 after 25 October): outside.
    const period = resolvePeriod(
      { date: "2026-10-01", timezone: "Europe/Berlin" },
      { date: "2026-10-31", timezone: "Europe/Berlin" },
      FIXTURE_NOW,
    );
    const rows = await queryRows(db, userUsage, { workspace, period, groupBy: null });
    expect(rows.map((r) => [r.userId, r.messagesTotal, r.messagesChat])).toEqual([
      ["u1", 5, 2],
      ["u2", 2, 0],
      ["u3", 0, 0],
    ]);
    expect(rows[0]!.joinedAt).toBe("2025-01-10");
  });

  test("the same month in UTC counts the UTC edges exactly, inclusive at both ends", async () => {
    const period = resolvePeriod({ date: "2026-10-01", timezone: "UTC" }, { date: "2026-10-31", timezone: "UTC" }, FIXTURE_NOW);
    const rows = await queryRows(db, userUsage, { workspace, period, groupBy: null });
    expect(rows.map((r) => [r.userId, r.messagesTotal])).toEqual([
      ["u1", 4],
      ["u2", 3],
      ["u3", 0],
    ]);
  });

  test("a to date with a time ends there: October 1st until 00:00 holds only m1", async () => {
    const period = resolvePeriod(
      { date: "2026-10-01", timezone: "UTC" },
      { date: "2026-10-01T00:00:00.000Z", timezone: "UTC" },
      FIXTURE_NOW,
    );
    const rows = await queryRows(db, userUsage, { workspace, period, groupBy: null });
    expect(rows.filter((r) => r.messagesTotal > 0).map((r) => [r.userId, r.messagesTotal])).toEqual([["u1", 1]]);
  });

  test("the membership window follows the period: u4 (removed 15 September) appears in September", async () => {
    const period = resolvePeriod({ date: "2026-09-01", timezone: "UTC" }, { date: "2026-09-30", timezone: "UTC" }, FIXTURE_NOW);
    const rows = await queryRows(db, userUsage, { workspace, period, groupBy: null });
    expect(rows.map((r) => [r.userId, r.messagesTotal])).toEqual([
      ["u1", 1],
      ["u2", 0],
      ["u3", 0],
      ["u4", 0],
    ]);
  });

  test("an export of a period without usage is a 404 and writes no file", async () => {
    const period = resolvePeriod({ date: "2026-06-01", timezone: "UTC" }, { date: "2026-06-30", timezone: "UTC" }, FIXTURE_NOW);
    const error = expectInstanceOf(
      await createExport(app, { workspaceId: "ws_p", dataType: "models", period }).catch((e: unknown) => e),
      AppError,
    );
    expect([error.status, error.title, error.message]).toEqual([404, "No data found", "No usage data found for the selected period"]);
    expect(await db.prisma.export.count({ where: { workspaceId: "ws_p" } })).toBe(0);
  });

  test("an export for an unknown workspace is a 404 naming it", async () => {
    const period = resolvePeriod({ date: "2026-10-01", timezone: "UTC" }, { date: "2026-10-31", timezone: "UTC" }, FIXTURE_NOW);
    await expect(createExport(app, { workspaceId: "ws_missing", dataType: "users", period })).rejects.toThrow(
      'Workspace "ws_missing" does not exist',
    );
  });
});
