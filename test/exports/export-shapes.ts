import { expect } from "vitest";
import { z } from "zod";
import type { Database } from "../../src/db/client.ts";
import { DATA_TYPE_SLICES } from "../../src/usage/registry.ts";
import type { ColumnKind } from "../../src/usage/shared/column.ts";
import { canonicalDataType, GROUP_BY_OPTIONS, type ExportTypeName } from "../../src/usage/shared/data-types.ts";
import { createAccessKey } from "../../src/auth/access-keys.ts";
import { ensureUsagePartitions } from "../../src/usage/partitions/ensure-partitions.ts";
import { createSmallWorkspace, FIXTURE_NOW, FIXTURE_PERIOD } from "../fixtures/small-workspace.ts";
import { testApp } from "../helpers/app.ts";
import { testDatabase } from "../helpers/database.ts";
import { startTestServer } from "../helpers/http.ts";
import { parseCsv } from "../helpers/csv.ts";

// Shared by the tests that compare the other shapes of an export (JSON rows,
// Parquet) with its CSV: the fixture workspaces, every (workspace, type,
// grouping) an export can be asked for, and the CSV as a client reads it.

/**
 * ws_a: BYOK, user-level data on, plus agents "30" and "7" that u1 messages once
 * each, so u1's `assistants_to_messages` is `{"a1":2,"30":1,"7":1}`: a JavaScript
 * object would move the integer-like keys to the front. ws_b: no BYOK, user-level data off.
 */
async function createShapeWorkspaces(db: Database): Promise<void> {
  await createSmallWorkspace(db, { id: "ws_a", byok: true });
  await createSmallWorkspace(db, { id: "ws_b", userLevelData: false });
  const early = new Date("2025-01-01T00:00:00Z");
  await db.prisma.directoryVersion.createMany({
    data: ["30", "7"].map((id) => ({
      workspaceId: "ws_a",
      kind: "agent" as const,
      entityId: id,
      effectiveAt: early,
      attrs: { name: `Agent ${id}`, description: null, url: null, ownerId: "u1" },
    })),
  });
  await ensureUsagePartitions(db, ["2026-10-01"]);
  await db.prisma.usageRecord.createMany({
    data: ["30", "7"].map((agentId, i) => ({
      workspaceId: "ws_a",
      kind: "message" as const,
      id: `int-key-${agentId}`,
      occurredAt: new Date(`2026-10-2${i}T09:00:00Z`),
      userId: "u1",
      surface: "agent" as const,
      agentId,
      model: "gpt-4o",
      modelRaw: "gpt-4o",
      provider: "openai",
      source: "WEB",
      promptTokens: 3,
      completionTokens: 1,
      cachedPromptTokens: 0,
      cacheCreationTokens: 0,
      costUsd: "0.000123",
      paygCostUsd: 0,
    })),
  });
}

export interface ShapeCase {
  workspace: "ws_a" | "ws_b";
  type: ExportTypeName;
  groupBy: string | null;
}

/** Every data type name (aliases too) with every grouping its workspace allows (`deployment` only in BYOK ws_a). */
export function shapeCases(): ShapeCase[] {
  const types: ExportTypeName[] = ["users", "agents", "assistants", "api_keys", "api-keys", "projects", "models"];
  return (["ws_a", "ws_b"] as const).flatMap((workspace) =>
    types.flatMap((type) =>
      [null, ...GROUP_BY_OPTIONS[canonicalDataType(type)]]
        .filter((g) => g !== "deployment" || workspace === "ws_a")
        .map((groupBy) => ({ workspace, type, groupBy })),
    ),
  );
}

export const caseName = (c: ShapeCase) => `${c.type}${c.groupBy ? ` by ${c.groupBy}` : ""} in ${c.workspace}`;

export const caseBody = (c: ShapeCase, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...FIXTURE_PERIOD, ...(c.groupBy ? { group_by: c.groupBy } : {}), ...extra });

/** A column's kind, by its CSV header name (to render typed values back as CSV text). */
export function kindOf(type: ExportTypeName, name: string): ColumnKind {
  const column = DATA_TYPE_SLICES[canonicalDataType(type)].columns.find((c) => c.name === name);
  if (!column) throw new Error(`${type} has no column ${name}`);
  return column.kind;
}

const FileExport = z.object({
  success: z.literal(true),
  data: z.object({ filePath: z.string(), downloadUrl: z.string(), dataType: z.string(), recordCount: z.number() }),
});
export type FileExportData = z.infer<typeof FileExport>["data"];

/** POST /export/{type} with `body`, expecting 200; returns its `data`. */
export async function exportFile(url: string, key: string, type: string, body: string): Promise<FileExportData> {
  const res = await fetch(`${url}/export/${type}`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return FileExport.parse(JSON.parse(text)).data;
}

/** Downloads an export through its signed link (pointed at the test server). */
export async function download(url: string, downloadUrl: string): Promise<Response> {
  const link = new URL(downloadUrl);
  const res = await fetch(`${url}${link.pathname}${link.search}`);
  expect(res.status).toBe(200);
  return res;
}

/** The CSV export of a case, parsed: header and rows. */
export async function csvOf(url: string, key: string, c: ShapeCase): Promise<{ header: string[]; rows: string[][] }> {
  const data = await exportFile(url, key, c.type, caseBody(c));
  const [header = [], ...rows] = parseCsv(await (await download(url, data.downloadUrl)).text());
  expect(rows.length).toBe(data.recordCount);
  return { header, rows };
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text value as the CSV writes it: with `'` in front of what a spreadsheet would run as a formula. */
export const csvText = (text: string) => (FORMULA_START.test(text) ? `'${text}` : text);

/**
 * The calling file's server over both shape workspaces (no export rate limit:
 * every case exports several times), with an export key of ws_a and an admin key of ws_b.
 */
export async function startShapeServer(): Promise<{ url: string; keys: Record<"ws_a" | "ws_b", string> }> {
  const db = await testDatabase();
  const url = await startTestServer(testApp(db, { now: FIXTURE_NOW, env: { RATE_LIMIT_EXPORTS_PER_MINUTE: "0" } }));
  await createShapeWorkspaces(db);
  const keys = {
    ws_a: (await createAccessKey(db, { workspaceId: "ws_a", role: "export" })).apiKey,
    ws_b: (await createAccessKey(db, { workspaceId: "ws_b", role: "admin" })).apiKey,
  };
  return { url, keys };
}
