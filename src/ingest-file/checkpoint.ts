import { rename, readFile, rm, stat, writeFile } from "node:fs/promises";
import { z } from "zod";
import { errnoCode } from "../errors/errno.ts";
import type { FilePosition } from "./file-batches.ts";

/**
 * What a run of `ingest FILE` has committed, kept beside the file as
 * `FILE.ingest-progress.json`: the position after the last stored batch, and
 * what it is valid for. Records are idempotent, so a checkpoint behind the
 * database (a batch stored, then the process killed before the write) only
 * means that batch is sent again and counted as duplicates.
 */
export interface Checkpoint extends FilePosition, CheckpointScope {
  version: 1;
  /** Records sent by the runs so far. */
  records: number;
  updatedAt: string;
}

/** A checkpoint counts only for the same file contents, workspace and database. */
export interface CheckpointScope {
  size: number;
  mtimeMs: number;
  workspaceId: string;
  /** The database: DATA_DIR for the embedded one, the PostgreSQL server and database otherwise. */
  database: string;
}

export const checkpointPath = (file: string) => `${file}.ingest-progress.json`;

/** A checkpoint file as this version writes it. */
const savedCheckpoint = z.object({
  version: z.literal(1),
  offset: z.number(),
  line: z.number(),
  records: z.number(),
  size: z.number(),
  mtimeMs: z.number(),
  workspaceId: z.string(),
  database: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<Checkpoint>;

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The scope of a run now: the file as it is, and where its records go. */
export async function currentScope(file: string, workspaceId: string, database: string): Promise<CheckpointScope> {
  const { size, mtimeMs } = await stat(file);
  return { size, mtimeMs, workspaceId, database };
}

/** The file's checkpoint if it belongs to `scope`, else why it does not (null: there is none). */
export async function readCheckpoint(file: string, scope: CheckpointScope): Promise<Checkpoint | { stale: string } | null> {
  let text: string;
  try {
    text = await readFile(checkpointPath(file), "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return null;
    return { stale: "it could not be read" };
  }
  const parsed = savedCheckpoint.safeParse(parseOrNull(text));
  if (!parsed.success) return { stale: "it could not be read" };
  const saved = parsed.data;
  if (saved.size !== scope.size || saved.mtimeMs !== scope.mtimeMs) return { stale: "the file changed since" };
  if (saved.workspaceId !== scope.workspaceId) return { stale: `it is for workspace ${saved.workspaceId}` };
  if (saved.database !== scope.database) return { stale: "it is for another database" };
  return saved;
}

/** Replaces the checkpoint whole (write, then rename): a kill mid-write leaves the previous one. */
export async function writeCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  const path = checkpointPath(file);
  await writeFile(`${path}.tmp`, `${JSON.stringify(checkpoint, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

export async function removeCheckpoint(file: string): Promise<void> {
  const path = checkpointPath(file);
  await Promise.all([rm(path, { force: true }), rm(`${path}.tmp`, { force: true })]);
}
