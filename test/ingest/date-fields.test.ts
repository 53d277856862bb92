import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../../src/errors/app-error.ts";
import type { DirectoryKind } from "../../src/generated/prisma/client.ts";
import { ingestRecords } from "../../src/ingest/ingest.ts";
import { testDatabase } from "../helpers/database.ts";
import { expectInstanceOf } from "../helpers/expect.ts";

// SPEC §7: date fields take a calendar date or an instant, and keep them apart in
// storage (a calendar date as given, an instant as UTC ISO text); a date-time
// without an offset is refused.

const db = await testDatabase();
const NOW = new Date("2025-06-15T10:00:00.000Z");
const FORMS = "must be a date (YYYY-MM-DD) or a date-time with an offset (2025-03-14T09:00:00Z)";

async function workspace(): Promise<string> {
  const id = `ws_${randomUUID()}`;
  await db.prisma.workspace.create({ data: { id, name: "Dates" } });
  return id;
}

/** Every date field of every directory type that has one. */
const DATE_FIELDS: [type: DirectoryKind, field: string][] = [
  ["user", "joinedAt"],
  ["user", "removedAt"],
  ...(["agent", "project", "api_key", "deployment"] as const).flatMap((type): [DirectoryKind, string][] => [
    [type, "createdAt"],
    [type, "deletedAt"],
  ]),
];

async function storedAttrs(ws: string, type: DirectoryKind, id: string) {
  const version = await db.prisma.directoryVersion.findFirstOrThrow({
    where: { workspaceId: ws, kind: type, entityId: id },
  });
  return z.record(z.string(), z.unknown()).parse(version.attrs);
}

describe.each(DATE_FIELDS)("%s.%s", (type, field) => {
  it("stores a calendar date exactly as given", async () => {
    const ws = await workspace();
    await ingestRecords(db, ws, [{ type, id: "e1", [field]: "2025-03-14" }], { now: NOW });
    expect((await storedAttrs(ws, type, "e1"))[field]).toBe("2025-03-14");
  });

  it("stores a date-time with an offset as its UTC instant", async () => {
    const ws = await workspace();
    await ingestRecords(db, ws, [{ type, id: "e1", [field]: "2025-03-14T09:00:00+09:00" }], { now: NOW });
    expect((await storedAttrs(ws, type, "e1"))[field]).toBe("2025-03-14T00:00:00.000Z");
  });

  it("refuses a date-time without an offset with a 400 naming the field and the accepted forms, storing nothing", async () => {
    const ws = await workspace();
    const error = await ingestRecords(db, ws, [
      { type: "user", id: "fine", joinedAt: "2025-01-01" },
      { type, id: "e1", [field]: "2025-03-14T09:00:00" },
    ]).catch((e: unknown) => e);
    const appError = expectInstanceOf(error, AppError);
    expect([appError.status, appError.problems]).toEqual([400, [`record 2: ${field}: ${FORMS}`]]);
    expect(await db.prisma.directoryVersion.count({ where: { workspaceId: ws } })).toBe(0);
  });
});

describe("date values that are refused", () => {
  const cases: [string, unknown, string][] = [
    ["a date-time with a space and no offset", "2025-03-14 09:00:00", FORMS],
    ["a date with a time but no seconds nor offset", "2025-03-14T09:00", FORMS],
    ["a date without its day", "2025-03", FORMS],
    ["a date with one-digit month and day", "2025-3-4", FORMS],
    ["a number", 20250314, FORMS],
    ["month 13", "2025-13-01", "must be a real calendar date"],
    ["31 April", "2025-04-31", "must be a real calendar date"],
    ["29 February 1900", "1900-02-29", "must be a real calendar date"],
    ["year 0", "0000-01-01", "must be within years 1 to 9999"],
  ];

  it.each(cases)("refuses %s", async (_name, value, reason) => {
    const ws = await workspace();
    const error = await ingestRecords(db, ws, [{ type: "agent", id: "a", createdAt: value }]).catch((e: unknown) => e);
    expect(expectInstanceOf(error, AppError).problems).toEqual([`record 1: createdAt: ${reason}`]);
  });

  it("accepts 29 February of leap years, 2000 included", async () => {
    const ws = await workspace();
    await ingestRecords(db, ws, [{ type: "agent", id: "a", createdAt: "2000-02-29", deletedAt: "2024-02-29" }], { now: NOW });
    expect(await storedAttrs(ws, "agent", "a")).toMatchObject({ createdAt: "2000-02-29", deletedAt: "2024-02-29" });
  });
});

describe("createdAt and deletedAt in storage", () => {
  it("are left out of an entity's attributes when not given, and a later version without deletedAt has none", async () => {
    const ws = await workspace();
    await ingestRecords(db, ws, [
      { type: "project", id: "p", name: "Old", deletedAt: "2025-05-01", effectiveAt: "2025-05-01T00:00:00Z" },
      { type: "project", id: "p", name: "Restored", effectiveAt: "2025-06-01T00:00:00Z" },
    ]);
    const versions = await db.prisma.directoryVersion.findMany({ where: { workspaceId: ws }, orderBy: { effectiveAt: "asc" } });
    expect(versions.map((v) => v.attrs)).toEqual([
      { name: "Old", ownerId: null, deletedAt: "2025-05-01" },
      { name: "Restored", ownerId: null },
    ]);
  });
});
