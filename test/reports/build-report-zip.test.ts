import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { AppError } from "../../src/errors/app-error.ts";
import { createExport } from "../../src/exports/create-export.ts";
import { resolvePeriod } from "../../src/periods/period.ts";
import { buildReportZip, type ReportZip, reportSlug, writeZip, type ReportManifest } from "../../src/reports/build-report-zip.ts";
import { StoredFileMissing } from "../../src/storage/file-store.ts";
import type { DataTypeName, GroupBy } from "../../src/usage/shared/data-types.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { breakingStore } from "../helpers/breaking-store.ts";
import { testDatabase } from "../helpers/database.ts";

const db = await testDatabase();
// ws_a: BYOK, user-level data on; ws_b: not BYOK, user-level data off.
await createSmallWorkspace(db, { id: "ws_a", byok: true });
await createSmallWorkspace(db, { id: "ws_b", userLevelData: false });
const app = testApp(db, { now: FIXTURE_NOW });
const october = resolvePeriod(FIXTURE_PERIOD.from, FIXTURE_PERIOD.to, FIXTURE_NOW);
/** The zip on disk (the test app's store is a local directory). */
const onDisk = (zip: ReportZip) => join(app.exportDir, zip.filePath);
/** Where a run's zip would be. */
const runFolder = (workspaceId: string, runId: string) => join(app.exportDir, "report-zips", workspaceId, runId);

/** Entry names in zip order, read with the system `unzip` (no zip library in the tests). */
const entries = (zip: string) => execFileSync("unzip", ["-Z1", zip], { encoding: "utf8" }).split("\n").filter(Boolean);
const entry = (zip: string, name: string): Buffer => execFileSync("unzip", ["-p", zip, name]);
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

const TYPES: { dataType: DataTypeName; groupBy: GroupBy | null }[] = [
  { dataType: "users", groupBy: null },
  { dataType: "assistants", groupBy: "model" },
  { dataType: "models", groupBy: "source" },
  { dataType: "projects", groupBy: null },
];

describe("buildReportZip", () => {
  test("holds manifest.json and one CSV per type, byte-identical to on-demand exports", async () => {
    const runId = randomUUID();
    const built = await buildReportZip(app, { workspaceId: "ws_a", name: "Weekly finance", types: TYPES, period: october, runId });

    expect(built.fileName).toBe("weekly-finance-2026-10-01-2026-10-31.zip");
    expect(built.filePath).toBe(`report-zips/ws_a/${runId}/${built.fileName}`);
    const zip = onDisk(built);
    expect(readdirSync(dirname(zip))).toEqual([built.fileName]); // no .partial left behind
    expect(built.sizeBytes).toBe(statSync(zip).size);

    const names = entries(zip);
    expect(names).toHaveLength(5);
    expect(names[0]).toBe("manifest.json");
    const pattern = (type: string) => new RegExp(`^${type}-usage-2026-10-01-2026-10-31-[0-9a-f]{8}\\.csv$`);
    ["users", "assistants", "models", "projects"].forEach((type, i) => {
      expect(names[i + 1]).toMatch(pattern(type));
    });

    // Each CSV equals what a separate on-demand export of the same request writes.
    for (const [i, t] of TYPES.entries()) {
      const fresh = await createExport(app, { workspaceId: "ws_a", dataType: t.dataType, period: october, groupBy: t.groupBy });
      const inZip = entry(zip, names[i + 1]!);
      expect(inZip.equals(readFileSync(fresh.absolutePath))).toBe(true);
      expect(inZip.length).toBeGreaterThan(0);
    }

    const csv = (i: number) => entry(zip, names[i]!);
    const expected: ReportManifest = {
      formatVersion: 1,
      workspaceId: "ws_a",
      report: "Weekly finance",
      period: {
        startDate: "2026-10-01",
        endDate: "2026-10-31",
        from: "2026-10-01T00:00:00.000Z",
        to: "2026-10-31T23:59:59.999Z",
        timezone: "UTC",
      },
      privacy: "user-level-data",
      byok: true,
      noData: false,
      // Row counts worked out in test/exports/csv-bytes.test.ts for the same fixture.
      files: [
        { name: names[1]!, dataType: "users", groupBy: null, rowCount: 3, sha256: sha256(csv(1)) },
        { name: names[2]!, dataType: "assistants", groupBy: "model", rowCount: 3, sha256: sha256(csv(2)) },
        { name: names[3]!, dataType: "models", groupBy: "source", rowCount: 7, sha256: sha256(csv(3)) },
        { name: names[4]!, dataType: "projects", groupBy: null, rowCount: 2, sha256: sha256(csv(4)) },
      ],
      generatedAt: "2026-11-15T12:00:00.000Z",
    };
    expect(JSON.parse(entry(zip, "manifest.json").toString("utf8"))).toEqual(expected);
    expect(built.manifest).toEqual(expected);
    // A header plus one CRLF-terminated line per row.
    expect(csv(1).toString("utf8").split("\r\n").filter(Boolean)).toHaveLength(1 + 3);
  });

  test("summarizes the period from the usage queries", async () => {
    const zip = await buildReportZip(app, {
      workspaceId: "ws_a",
      name: "Monthly",
      types: [{ dataType: "users", groupBy: null }],
      period: october,
      runId: randomUUID(),
    });
    // October 2026 UTC: messages m1–m7 (m8, m9 fall outside); u1 sent m1–m4, u2 m5–m7.
    // Agents: a1 got m2, m3, m5; a2 got m6. API requests r1–r3.
    // Models (messages + API requests): gpt-4o m1, m4, m6, m7, r1, r3 (BYOK and not, added up);
    // claude-3-5-sonnet m2, m3; gpt-4o-mini m5, r2 — a tie at 2, ordered by label.
    expect(zip.summary).toEqual({
      period: { startDate: "2026-10-01", endDate: "2026-10-31", timezone: "UTC" },
      totals: { messages: 7, activeUsers: 2, apiRequests: 3 },
      topUsers: [
        { label: "Alice Admin", messages: 4 },
        { label: '=HYPERLINK("x")', messages: 3 },
      ],
      topAgents: [
        { label: "Research Helper", messages: 3 },
        { label: "Support Bot", messages: 1 },
      ],
      topModels: [
        { label: "gpt-4o (openai)", requests: 6 },
        { label: "claude-3-5-sonnet (anthropic)", requests: 2 },
        { label: "gpt-4o-mini (openai)", requests: 2 },
      ],
      noData: false,
    });
  });

  test("with user-level data off: privacy mode in the manifest, user ids as labels", async () => {
    const zip = await buildReportZip(app, {
      workspaceId: "ws_b",
      name: "Private",
      types: [{ dataType: "users", groupBy: null }],
      period: october,
      runId: randomUUID(),
    });
    expect(zip.manifest.privacy).toBe("no-user-level-data");
    expect(zip.manifest.byok).toBe(false);
    expect(JSON.parse(entry(onDisk(zip), "manifest.json").toString("utf8")).privacy).toBe("no-user-level-data");
    expect(zip.summary.topUsers).toEqual([
      { label: "u1", messages: 4 },
      { label: "u2", messages: 3 },
    ]);
    // Agents are not personal data: their names stay.
    expect(zip.summary.topAgents.map((a) => a.label)).toEqual(["Research Helper", "Support Bot"]);
    // The CSV itself has no name/email columns (same export pipeline).
    const csvName = entries(onDisk(zip))[1]!;
    expect(entry(onDisk(zip), csvName).toString("utf8").split("\r\n")[0]).not.toMatch(/(^|,)(name|email)(,|$)/);
  });

  test("a period without usage gives a zip holding only the manifest, marked noData", async () => {
    const august = resolvePeriod({ date: "2026-08-01", timezone: "UTC" }, { date: "2026-08-31", timezone: "UTC" }, FIXTURE_NOW);
    const built = await buildReportZip(app, {
      workspaceId: "ws_a",
      name: "Weekly finance",
      types: TYPES,
      period: august,
      runId: randomUUID(),
    });
    const zip = onDisk(built);
    expect(built.fileName).toBe("weekly-finance-2026-08-01-2026-08-31.zip");
    expect(entries(zip)).toEqual(["manifest.json"]);
    const manifest = JSON.parse(entry(zip, "manifest.json").toString("utf8"));
    expect(manifest).toMatchObject({ noData: true, files: [], privacy: "user-level-data", byok: true });
    expect(manifest.period).toEqual({
      startDate: "2026-08-01",
      endDate: "2026-08-31",
      from: "2026-08-01T00:00:00.000Z",
      to: "2026-08-31T23:59:59.999Z",
      timezone: "UTC",
    });
    expect(built.summary).toEqual({
      period: { startDate: "2026-08-01", endDate: "2026-08-31", timezone: "UTC" },
      totals: { messages: 0, activeUsers: 0, apiRequests: 0 },
      topUsers: [],
      topAgents: [],
      topModels: [],
      noData: true,
    });
  });

  test("other errors propagate and leave no zip", async () => {
    const runId = randomUUID();
    // group_by=deployment needs a BYOK workspace; ws_b is not one.
    const error = await buildReportZip(app, {
      workspaceId: "ws_b",
      name: "Bad",
      types: [
        { dataType: "users", groupBy: null },
        { dataType: "models", groupBy: "deployment" },
      ],
      period: october,
      runId,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    const code = error instanceof AppError ? error.code : error;
    expect(code).toBe("BAD_REQUEST");
    expect(existsSync(runFolder("ws_b", runId))).toBe(false);

    const missing = await buildReportZip(app, { workspaceId: "ws_none", name: "x", types: TYPES, period: october, runId }).catch(
      (e: unknown) => e,
    );
    const missingCode = missing instanceof AppError ? missing.code : missing;
    expect(missingCode).toBe("NOT_FOUND");
    await expect(buildReportZip(app, { workspaceId: "ws_a", name: "x", types: [], period: october, runId })).rejects.toThrow(
      "a report needs at least one data type",
    );
    expect([existsSync(runFolder("ws_none", runId)), existsSync(runFolder("ws_a", runId))]).toEqual([false, false]);
  });

  test("a type asked for twice (or by its alias) is exported once, where it first appears", async () => {
    const zip = await buildReportZip(app, {
      workspaceId: "ws_a",
      name: "Repeats",
      types: [
        { dataType: "users", groupBy: null },
        { dataType: "users", groupBy: null },
        { dataType: "agents", groupBy: "model" },
        { dataType: "users", groupBy: "model" },
        { dataType: "assistants", groupBy: "model" },
        { dataType: "users", groupBy: null },
      ],
      period: october,
      runId: randomUUID(),
    });
    const csv = (type: string) => new RegExp(`^${type}-usage-2026-10-01-2026-10-31-[0-9a-f]{8}\\.csv$`);
    const names = entries(onDisk(zip));
    expect(names).toHaveLength(4);
    expect(names[0]).toBe("manifest.json");
    ["users", "agents", "users"].forEach((type, i) => {
      expect(names[i + 1]).toMatch(csv(type));
    });
    expect(zip.manifest.files.map((f) => [f.name, f.dataType, f.groupBy])).toEqual([
      [names[1], "users", null],
      [names[2], "agents", "model"],
      [names[3], "users", "model"],
    ]);
  });
});

describe("writeZip", () => {
  const entry = (name: string) => ({ name, dataType: "users" as const, groupBy: null, rowCount: 1, sha256: "" });
  const manifest: ReportManifest = {
    formatVersion: 1,
    workspaceId: "ws_a",
    report: "r",
    period: { startDate: "2026-10-01", endDate: "2026-10-31", from: "", to: "", timezone: "UTC" },
    privacy: "no-user-level-data",
    byok: false,
    noData: false,
    files: [],
    generatedAt: "",
  };
  /** The keys under a folder of the test app's store. */
  const keysUnder = async (prefix: string) => {
    const keys: string[] = [];
    for await (const file of app.files.list(prefix)) keys.push(file.key);
    return keys.sort();
  };

  test("a CSV that is gone fails the zip before any of it is written", async () => {
    await app.files.put("w1/a.csv", Readable.from(["h\r\n1\r\n"]));
    const files = [
      { entry: entry("a.csv"), filePath: "w1/a.csv" },
      { entry: entry("gone.csv"), filePath: "w1/gone.csv" },
    ];
    const error = await writeZip(app.files, "w1/r.zip", manifest, files).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoredFileMissing);
    expect(error).toMatchObject({ key: "w1/gone.csv" });
    expect(await keysUnder("w1/")).toEqual(["w1/a.csv"]);
  });

  test("a CSV whose read fails midway fails the zip (no crash, no partial file left)", async () => {
    await app.files.put("w2/a.csv", Readable.from(["h\r\n1\r\n"]));
    // The store hands out a stream that breaks after its first bytes, as a failing disk would.
    const breaking = breakingStore(app.exportDir, "h\r\n", 10);
    const files = [{ entry: entry("a.csv"), filePath: "w2/a.csv" }];
    await expect(writeZip(breaking, "w2/r.zip", manifest, files)).rejects.toThrow("EIO: i/o error, read");
    expect(await keysUnder("w2/")).toEqual(["w2/a.csv"]);
  });
});

describe("reportSlug", () => {
  test.each([
    ["Weekly finance", "weekly-finance"],
    ["  Q4 Finance: EMEA/APAC!! ", "q4-finance-emea-apac"],
    ["Café Überblick", "cafe-uberblick"],
    ['<script>&"', "script"],
    ["!!!", "report"],
    ["", "report"],
    ["日本語", "report"],
  ])("%j → %j", (name, slug) => expect(reportSlug(name)).toBe(slug));

  test("at most 60 characters, never ending in a dash", () => {
    expect(reportSlug("a".repeat(100))).toBe("a".repeat(60));
    const cut = reportSlug(`${"a".repeat(59)} b`);
    expect(cut).toBe("a".repeat(59));
  });
});
