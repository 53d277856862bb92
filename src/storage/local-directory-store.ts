import { randomBytes } from "node:crypto";
import { constants, type Dirent } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import { EventEmitter } from "node:events";
import { dirname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../config/private-files.ts";
import { errnoCode } from "../errors/errno.ts";
import {
  checkFileKey,
  checkPrefix,
  type FileSource,
  type FileStore,
  InvalidFileKey,
  type OpenedFile,
  PARTIAL_SUFFIX,
  type StoredFile,
} from "./file-store.ts";

/**
 * Tries at making a partial file: a clean-up's prune on another instance may
 * remove the folder made for it before the file is created in it.
 */
const CREATE_ATTEMPTS = 5;

const WRITE_BUFFER_BYTES = 1 << 20;

/** A file or folder that is not there, or whose path runs through a file. */
const isMissing = (error: unknown) => errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR";

/**
 * The store as a folder on this machine (by default DATA_DIR/exports), or on a
 * volume several instances mount (EXPORT_STORAGE_DIR). A key is a path under
 * the root. Folders are 0700 and files 0600 whatever the umask: exports hold
 * names and emails. A put writes `{key}.{random}.partial` beside the file and
 * renames it into place, which is atomic on one file system, NFS included.
 */
export class LocalDirectoryStore implements FileStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  locate(key: string): string {
    return this.pathOf(key);
  }

  async put(key: string, source: FileSource, options: { signal?: AbortSignal } = {}): Promise<{ size: number }> {
    const target = this.pathOf(key);
    // Each put its own partial: two writers of one key never write into one file.
    const partial = `${target}.${randomBytes(6).toString("hex")}${PARTIAL_SUFFIX}`;
    // A stream that fails while the partial is being made would have no error
    // listener until the pipeline starts: an uncaught 'error', a crashed process.
    let early: { error: unknown } | undefined;
    const holdEarly = (error: unknown) => {
      early ??= { error };
    };
    const stream = source instanceof EventEmitter ? source : null;
    stream?.on("error", holdEarly);
    try {
      const file = await createPartial(partial);
      if (early) {
        await file.close();
        throw early.error;
      }
      // A 1 MiB buffer: at the default 16 kB every chunk of an export (~18 kB)
      // waited for the disk before the next was taken; a million-member export
      // spent half a second in those waits.
      await pipeline(source, file.createWriteStream({ highWaterMark: WRITE_BUFFER_BYTES }), { signal: options.signal });
      const { size } = await stat(partial);
      await rename(partial, target);
      return { size };
    } catch (error) {
      // The write's own error is the one to report, not a failed clean-up's.
      await rm(partial, { force: true }).catch(() => undefined);
      throw error;
    } finally {
      stream?.off("error", holdEarly);
    }
  }

  async open(key: string): Promise<OpenedFile | null> {
    let file: FileHandle;
    try {
      // Non-blocking, so a named pipe someone left in the store can't hold the caller.
      file = await open(this.pathOf(key), constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      // Size and bytes of the same file, even if a rerun renames a new one into place meanwhile.
      const info = await file.stat();
      if (!info.isFile()) {
        await file.close();
        return null;
      }
      return { size: info.size, modifiedAt: info.mtime, stream: file.createReadStream() };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async stat(key: string): Promise<StoredFile | null> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, size: info.size, modifiedAt: info.mtime } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async remove(key: string): Promise<boolean> {
    try {
      await unlink(this.pathOf(key));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async *list(prefix: string, options: { onError?: (error: unknown, prefix: string) => void } = {}): AsyncGenerator<StoredFile> {
    checkPrefix(prefix);
    yield* this.walk(prefix === "" ? this.root : this.pathOf(prefix.slice(0, -1)), prefix, options.onError);
  }

  async prune(prefix: string): Promise<void> {
    checkPrefix(prefix);
    await pruneBelow(prefix === "" ? this.root : this.pathOf(prefix.slice(0, -1)));
  }

  /** The files under `dir`, whose keys start with `prefix`; symbolic links are listed as files, never followed. */
  private async *walk(dir: string, prefix: string, onError?: (error: unknown, prefix: string) => void): AsyncGenerator<StoredFile> {
    const failed = (error: unknown) => {
      // Gone meanwhile (another instance deleted it) is not a failure.
      if (errnoCode(error) === "ENOENT") return;
      if (!onError) throw error;
      onError(error, prefix);
    };
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      failed(error);
      return;
    }
    for (const entry of entries) {
      const key = prefix + entry.name;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* this.walk(path, `${key}/`, onError);
        continue;
      }
      const info = await lstat(path).catch((error: unknown) => {
        failed(error);
        return null;
      });
      if (info) yield { key, size: info.size, modifiedAt: info.mtime };
    }
  }

  /** The path of a key under the root; InvalidFileKey for a key that is not a plain relative path. */
  private pathOf(key: string): string {
    checkFileKey(key);
    const path = resolve(this.root, key);
    // The key's shape already rules this out; kept as the last word on containment.
    if (!path.startsWith(this.root + sep)) throw new InvalidFileKey(key, "it escapes the store");
    return path;
  }
}

/** Creates `partial` (and its folders) for writing, owner-only. */
async function createPartial(partial: string): Promise<FileHandle> {
  for (let attempt = 1; ; attempt++) {
    await mkdir(dirname(partial), { recursive: true, mode: PRIVATE_DIR_MODE });
    try {
      return await open(partial, "wx", PRIVATE_FILE_MODE);
    } catch (error) {
      if (errnoCode(error) !== "ENOENT" || attempt === CREATE_ATTEMPTS) throw error;
    }
  }
}

/**
 * Removes the empty folders under `dir`, deepest first. Best effort: a folder
 * that is not empty (a put has just made a file in it), gone, or unreadable stays.
 */
async function pruneBelow(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const folder = join(dir, entry.name);
    await pruneBelow(folder);
    await rmdir(folder).catch(() => undefined);
  }
}
