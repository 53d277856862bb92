import type { Readable } from "node:stream";

/**
 * Where export files and report zips live (SPEC §12: "files live behind one
 * storage interface"). Files are named by keys: relative, `/`-separated paths
 * such as `users-usage/ws_1/users-usage-2026-10-01-2026-10-31-8bd94e45.csv`.
 * Every instance pointed at the same store sees the same files, so a link made
 * by one downloads from another. LocalDirectoryStore is the one kind today.
 */
export interface FileStore {
  /**
   * Writes `key` from `source`. Nothing is visible under `key` until every byte
   * is written, then the file replaces any earlier one at once; when `source`
   * fails or `signal` aborts, nothing is left behind. Concurrent puts of one key
   * end with one of them, whole.
   */
  put(key: string, source: FileSource, options?: { signal?: AbortSignal }): Promise<{ size: number }>;
  /** The file's bytes (a stream the caller reads or destroys) with its size; null when there is no such file. */
  open(key: string): Promise<OpenedFile | null>;
  /** The file's size and last change; null when there is no such file. */
  stat(key: string): Promise<StoredFile | null>;
  /** Deletes the file; false when there was none (another instance may have been first). */
  remove(key: string): Promise<boolean>;
  /**
   * Every file under `prefix` (`""` or a key ending in `/`), in no particular
   * order, unfinished and abandoned writes (`….partial`) included so that
   * clean-ups can delete what a crash left. A part of the store that can't be
   * read is passed to `onError` and skipped, or (without `onError`) thrown.
   */
  list(prefix: string, options?: { onError?: (error: unknown, prefix: string) => void }): AsyncIterable<StoredFile>;
  /** Tidies what deleting files leaves under `prefix`: folders with nothing in them (a store without folders has nothing to do). */
  prune(prefix: string): Promise<void>;
  /** Where the file is, for people: the CLI prints it (a path on this machine, for a local directory). */
  locate(key: string): string;
}

/** The bytes of a file to put: a stream, or chunks from an async generator. */
export type FileSource = AsyncIterable<Uint8Array | string>;

export interface StoredFile {
  key: string;
  size: number;
  modifiedAt: Date;
}

export interface OpenedFile {
  size: number;
  modifiedAt: Date;
  stream: Readable;
}

/**
 * A write in progress (or abandoned by a crash) is named `{key}.{random}.partial`;
 * the sweepers delete old ones.
 */
export const PARTIAL_SUFFIX = ".partial";

/** A key no store accepts: absolute, escaping its root, or otherwise not a plain relative path. */
export class InvalidFileKey extends Error {
  constructor(key: string, problem: string) {
    super(`${JSON.stringify(key)} is not a file key: ${problem}`);
    this.name = "InvalidFileKey";
  }
}

/** A file the caller expected to find (a report zip just written, an export the CLI copies) is gone. */
export class StoredFileMissing extends Error {
  constructor(
    readonly key: string,
    where: string,
  ) {
    super(`${key} is not in the export store (${where})`);
    this.name = "StoredFileMissing";
  }
}

/** Why `key` can't name a file (null when it can): `/`-separated, relative, no empty, `.` or `..` segment, no `\` or NUL. */
function fileKeyProblem(key: string): string | null {
  if (key === "") return "it is empty";
  if (key.startsWith("/")) return "it is absolute";
  if (key.includes("\\")) return "it holds a backslash";
  if (key.includes("\0")) return "it holds a NUL character";
  if (key.split("/").some((segment) => segment === "" || segment === "." || segment === "..")) return "it has an empty, . or .. segment";
  return null;
}

/** Throws InvalidFileKey unless `key` names a file. */
export function checkFileKey(key: string): void {
  const problem = fileKeyProblem(key);
  if (problem) throw new InvalidFileKey(key, problem);
}

/** Throws InvalidFileKey unless `prefix` is `""` (the whole store) or a key followed by `/`. */
export function checkPrefix(prefix: string): void {
  if (prefix === "") return;
  if (!prefix.endsWith("/")) throw new InvalidFileKey(prefix, "a prefix is empty or ends with /");
  checkFileKey(prefix.slice(0, -1));
}

/**
 * Deletes the partial files of `key` that earlier writers abandoned (a worker
 * killed mid-write); returns how many. Only for a caller that owns `key` for
 * now (an export job under its lease): a put of the same key still running
 * elsewhere would lose its partial and fail.
 */
export async function removeAbandonedWrites(store: FileStore, key: string): Promise<number> {
  checkFileKey(key);
  const slash = key.lastIndexOf("/");
  let removed = 0;
  for await (const file of store.list(slash < 0 ? "" : key.slice(0, slash + 1))) {
    if (file.key.startsWith(`${key}.`) && file.key.endsWith(PARTIAL_SUFFIX) && (await store.remove(file.key))) removed++;
  }
  return removed;
}

/** The file, opened; StoredFileMissing when it is not there. */
export async function openExisting(store: FileStore, key: string): Promise<OpenedFile> {
  const opened = await store.open(key);
  if (!opened) throw new StoredFileMissing(key, store.locate(key));
  return opened;
}
