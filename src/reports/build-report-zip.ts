import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { AppContext } from "../runtime/context.ts";
import { createExport } from "../exports/create-export.ts";
import { reportZipPath } from "../exports/export-files.ts";
import { AppError, badRequest } from "../errors/app-error.ts";
import type { Period } from "../periods/period.ts";
import { readUsage } from "../usage/read-usage.ts";
import type { CachedInput } from "../usage/result-cache.ts";
import type { DataType, DataTypeName, GroupBy } from "../usage/shared/data-types.ts";
import { uniqueTypes } from "./unique-types.ts";
import { type FileStore, openExisting } from "../storage/file-store.ts";
import type { ReportSummary } from "../templates/report-summary.ts";

/** Bumped whenever a field of manifest.json changes meaning, so audits can tell versions apart. */
const MANIFEST_FORMAT_VERSION = 1;

interface ReportFileEntry {
  /** The CSV's name inside the zip: the last segment of the export's `filePath`. */
  name: string;
  dataType: DataTypeName;
  groupBy: GroupBy | null;
  rowCount: number;
  /** Hex SHA-256 of the CSV bytes, so a delivery can be checked against a re-export. */
  sha256: string;
}

/** `manifest.json` in every report zip (SPEC §9): what was delivered and how to reproduce it. */
export interface ReportManifest {
  formatVersion: typeof MANIFEST_FORMAT_VERSION;
  workspaceId: string;
  report: string;
  period: { startDate: string; endDate: string; from: string; to: string; timezone: string };
  privacy: "user-level-data" | "no-user-level-data";
  byok: boolean;
  noData: boolean;
  files: ReportFileEntry[];
  generatedAt: string;
}

export interface ReportZip {
  /** The finished zip's path in the file store: `report-zips/{workspaceId}/{runId}/{fileName}`. */
  filePath: string;
  fileName: string;
  sizeBytes: number;
  manifest: ReportManifest;
  summary: ReportSummary;
}

export interface ReportZipInput {
  workspaceId: string;
  name: string;
  types: { dataType: DataTypeName; groupBy: GroupBy | null }[];
  period: Period;
  /** The run the zip is for: it names the zip's folder. */
  runId: string;
}

const TOP = 3;
const SLUG_MAX = 60;

/**
 * A file-name-safe form of a report name: ASCII lowercase letters and digits,
 * every other run of characters one `-`. Accents are folded first ("Café" →
 * "cafe") so non-English names stay readable; a name with nothing usable is "report".
 */
export function reportSlug(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, SLUG_MAX)
    .replace(/^-+|-+$/g, "");
  return slug || "report";
}

/** `{slug(name)}-{start}-{end}.zip`; also the shape the download route accepts (export-files.ts). */
function reportZipFileName(name: string, period: Pick<Period, "startDate" | "endDate">): string {
  return `${reportSlug(name)}-${period.startDate}-${period.endDate}.zip`;
}

/**
 * Builds one scheduled report's zip: one CSV per requested type, produced by the
 * same `createExport` as on-demand exports (so the bytes are identical), plus
 * `manifest.json`. A period without any usage gives a zip holding only the
 * manifest (`noData: true`): the recipients are still told "nothing this period".
 * The file store shows the zip only once it is whole, so a crash never leaves a
 * half-written zip that a retry might send.
 */
export async function buildReportZip(app: AppContext, input: ReportZipInput): Promise<ReportZip> {
  // An empty list would make "no files" ambiguous (no data, or nothing asked);
  // subscriptions always name at least one type.
  if (input.types.length === 0) throw badRequest("a report needs at least one data type");
  const { workspaceId, period } = input;

  // Also checks the workspace exists; the privacy and BYOK flags come from the same row the exports read.
  const { input: query } = await readUsage(app, { workspace: workspaceId, dataType: "users", period });
  const csvs = await exportAll(app, input);
  const noData = csvs === null;
  const files = csvs ?? [];
  const manifest: ReportManifest = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    workspaceId,
    report: input.name,
    period: {
      startDate: period.startDate,
      endDate: period.endDate,
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      timezone: period.timezone,
    },
    privacy: query.workspace.userLevelData ? "user-level-data" : "no-user-level-data",
    byok: query.workspace.byok,
    noData,
    files: files.map((f) => f.entry),
    generatedAt: app.now().toISOString(),
  };
  const summary = noData ? emptySummary(period) : await summarize(app, query);

  const fileName = reportZipFileName(input.name, period);
  const filePath = reportZipPath(workspaceId, input.runId, fileName);
  const { size } = await writeZip(app.files, filePath, manifest, files);
  return { filePath, fileName, sizeBytes: size, manifest, summary };
}

/** A CSV to put in the zip: its manifest entry and where createExport wrote it in the file store. */
export interface ExportedCsv {
  entry: ReportFileEntry;
  filePath: string;
}

/**
 * Runs the export pipeline once per requested type, in the requested order
 * (a repeated type once, where it first appears).
 * Null when the period holds no usage: that check is workspace-wide, so it
 * answers the same for every type. Any other error (a bad `group_by`, a
 * missing workspace) propagates, and no zip is written.
 */
async function exportAll(app: AppContext, input: ReportZipInput): Promise<ExportedCsv[] | null> {
  const out: ExportedCsv[] = [];
  // Subscriptions are de-duplicated when saved; rows stored before that may still repeat a type.
  for (const { dataType, groupBy } of uniqueTypes(input.types)) {
    const result = await createExport(app, { workspaceId: input.workspaceId, dataType, period: input.period, groupBy }).catch(
      (error: unknown) => {
        if (error instanceof AppError && error.code === "NO_DATA") return null;
        throw error;
      },
    );
    if (result === null) return null;
    out.push({
      filePath: result.filePath,
      entry: {
        name: posix.basename(result.filePath),
        dataType,
        groupBy: groupBy ?? null,
        rowCount: result.recordCount,
        sha256: await sha256File(app.files, result.filePath),
      },
    });
  }
  return out;
}

/** Streams the file through SHA-256: exports can be far larger than we want in memory. */
async function sha256File(files: FileStore, filePath: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline((await openExisting(files, filePath)).stream, hash);
  return hash.digest("hex");
}

/**
 * Writes manifest.json and the CSVs (in this order) into the file store as
 * `filePath`; on any failure nothing is left behind. Exported for tests.
 */
export async function writeZip(
  files: FileStore,
  filePath: string,
  manifest: ReportManifest,
  csvs: ExportedCsv[],
): Promise<{ size: number }> {
  const sources: Readable[] = [];
  // Loaded on use: only report runs write zips, and every process would load archiver (~150 ms).
  const { ZipArchive } = await import("archiver");
  const archive = new ZipArchive({ zlib: { level: 9 } });
  try {
    // All opened first: a CSV that is gone fails the zip before any of it is written.
    for (const csv of csvs) sources.push((await openExisting(files, csv.filePath)).stream);
    // The put settles on any archive or store error; finalize() alone can wait forever after one.
    const written = files.put(filePath, archive);
    // The manifest first, so a reader listing the zip sees what it holds before the data.
    archive.append(`${JSON.stringify(manifest, null, 2)}\n`, { name: "manifest.json" });
    // Streams, one after the other: the zip's order is the manifest's.
    for (const [i, csv] of csvs.entries()) {
      const source = sources[i]!;
      // archiver attaches no error listener to a source stream: a read that fails
      // would be an uncaught 'error' (a crashed process). Fail this zip instead.
      source.on("error", (error) => archive.destroy(error));
      archive.append(source, { name: csv.entry.name });
    }
    const [result] = await Promise.all([written, archive.finalize()]);
    return result;
  } catch (error) {
    // Files the archive never reached are still open.
    for (const source of sources) source.destroy();
    archive.destroy();
    throw error;
  }
}

function emptySummary(period: Period): ReportSummary {
  return {
    period: { startDate: period.startDate, endDate: period.endDate, timezone: period.timezone },
    totals: { messages: 0, activeUsers: 0, apiRequests: 0 },
    topUsers: [],
    topAgents: [],
    topModels: [],
    noData: true,
  };
}

/**
 * The message body's numbers, from the same query modules as the CSVs (no SQL
 * of its own), so the summary and the attached files cannot disagree on meaning.
 * Only entities with activity are "top"; ties keep the queries' order (count
 * descending, then id), and merged model rows are ordered by label.
 */
async function summarize(app: AppContext, query: CachedInput): Promise<ReportSummary> {
  const rowsOf = async <T extends DataType>(dataType: T) =>
    (await readUsage(app, { workspace: query.workspace, dataType, period: query.period })).rows();
  const users = await rowsOf("users");
  const agents = await rowsOf("agents");
  const apiKeys = await rowsOf("api_keys");
  const models = await rowsOf("models");
  const active = users.filter((u) => u.messagesTotal > 0);
  const { period } = query;
  return {
    period: { startDate: period.startDate, endDate: period.endDate, timezone: period.timezone },
    totals: {
      messages: sum(users.map((u) => u.messagesTotal)),
      activeUsers: active.length,
      apiRequests: sum(apiKeys.map((k) => k.requests)),
    },
    // With user-level data off the query returns no names, so the label falls back to the id.
    topUsers: active.slice(0, TOP).map((u) => ({ label: u.name ?? u.userId, messages: u.messagesTotal })),
    topAgents: agents
      .filter((a) => a.messages > 0)
      .slice(0, TOP)
      .map((a) => ({ label: a.assistantName ?? a.assistantId, messages: a.messages })),
    topModels: topModels(models),
    noData: false,
  };
}

/**
 * The models export splits a model by BYOK state; a summary line "gpt-4o (openai)"
 * twice would read as a mistake, so rows with the same name and provider are added up.
 */
function topModels(rows: { name: string; provider: string; requests: number }[]): ReportSummary["topModels"] {
  const byLabel = new Map<string, number>();
  for (const r of rows) {
    const label = `${r.name} (${r.provider})`;
    byLabel.set(label, (byLabel.get(label) ?? 0) + r.requests);
  }
  return [...byLabel]
    .filter(([, requests]) => requests > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, TOP)
    .map(([label, requests]) => ({ label, requests }));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
