import { beforeAll, describe, expect, test } from "vitest";
import { authenticate } from "../../src/auth/access-keys.ts";
import type { Database } from "../../src/db/client.ts";
import { AppError } from "../../src/errors/app-error.ts";
import { createWorkspace, type CreateWorkspaceInput } from "../../src/workspaces/create-workspace.ts";
import { testDatabase } from "../helpers/database.ts";

let db: Database;
beforeAll(async () => {
  db = await testDatabase();
});

async function problems(input: CreateWorkspaceInput): Promise<string[]> {
  try {
    await createWorkspace(db, input);
  } catch (error) {
    if (error instanceof AppError && error.status === 400) return error.problems;
    throw error;
  }
  throw new Error("expected a 400");
}

describe("createWorkspace", () => {
  test("defaults: UTC, weeks from Sunday, no BYOK, user-level data on", async () => {
    const { workspaceId } = await createWorkspace(db, { name: "  Plain Co  " });
    expect(workspaceId).toMatch(/^ws_[0-9a-z]{12}$/);
    const ws = await db.prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
    expect({ ...ws, createdAt: undefined }).toEqual({
      id: workspaceId,
      name: "Plain Co",
      timezone: "UTC",
      firstWeekday: 0,
      byok: false,
      userLevelData: true,
      createdAt: undefined,
      dataVersion: 0,
    });
  });

  test("the options given are stored", async () => {
    const { workspaceId } = await createWorkspace(db, {
      name: "Berlin GmbH",
      timezone: "Europe/Berlin",
      byok: true,
      userLevelData: false,
      firstWeekday: 1,
    });
    const ws = await db.prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
    expect([ws.timezone, ws.byok, ws.userLevelData, ws.firstWeekday]).toEqual(["Europe/Berlin", true, false, 1]);
  });

  test("the returned key is the workspace's one admin key", async () => {
    const { workspaceId, apiKey } = await createWorkspace(db, { name: "Keyed" });
    const { key, workspace } = await authenticate(db, `Bearer ${apiKey}`);
    expect([workspace.id, key.role, key.name]).toEqual([workspaceId, "admin", "Initial admin key"]);
    expect(await db.prisma.accessKey.count({ where: { workspaceId } })).toBe(1);
  });

  test("bad input is refused with every problem, each naming its field, and nothing is stored", async () => {
    const before = await db.prisma.workspace.count();
    expect(await problems({ name: " ", timezone: "Mars/Olympus_Mons", firstWeekday: 7 })).toEqual([
      "name must not be empty",
      'timezone "Mars/Olympus_Mons" is not a known IANA time zone',
      "firstWeekday must be an integer from 0 (Sunday) to 6 (Saturday), not 7",
    ]);
    expect(await problems({ name: "Ok", firstWeekday: 1.5 })).toEqual([
      "firstWeekday must be an integer from 0 (Sunday) to 6 (Saturday), not 1.5",
    ]);
    expect(await problems({ name: "Ok", timezone: "" })).toEqual(['timezone "" is not a known IANA time zone']);
    expect(await db.prisma.workspace.count()).toBe(before);
  });
});
