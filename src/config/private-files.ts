import type { Dirent } from "node:fs";
import { chmod, lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { isErrnoException } from "../errors/errno.ts";

/**
 * DATA_DIR holds the database, usage exports (names, emails) and secrets: only
 * the service's user may read any of it.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * From now on, every file and folder this process creates is owner-only,
 * whatever mode the creating code asks for. The first thing each entry point does.
 */
export function usePrivateUmask(): void {
  process.umask(0o077);
}

/** Whether a path gives its group or others no access at all. */
export async function isPrivate(path: string): Promise<boolean> {
  return ((await lstat(path)).mode & 0o077) === 0;
}

/**
 * Sets a file to 0600, or a folder to 0700 and everything in it to 0700/0600.
 * Symbolic links (and sockets, pipes) are left alone: chmod would follow a link
 * out of the tree. A path that vanishes meanwhile is fine; any other failure is
 * returned rather than thrown, so one file that can't be changed does not keep
 * the rest readable. A missing `path` is nothing to do.
 */
export async function makePrivate(path: string): Promise<NodeJS.ErrnoException[]> {
  const failures: NodeJS.ErrnoException[] = [];
  const attempt = async (step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      if (!isErrnoException(error)) throw error;
      if (error.code !== "ENOENT") failures.push(error);
    }
  };
  // Each folder before its entries, so one the owner can't list becomes listable first.
  const folder = async (dir: string): Promise<void> => {
    let entries: Dirent[] = [];
    await attempt(async () => {
      await chmod(dir, PRIVATE_DIR_MODE);
      entries = await readdir(dir, { withFileTypes: true });
    });
    await Promise.all(
      entries.map((e) => {
        const p = join(dir, e.name);
        if (e.isDirectory()) return folder(p);
        return e.isFile() ? attempt(() => chmod(p, PRIVATE_FILE_MODE)) : undefined;
      }),
    );
  };
  await attempt(async () => {
    const stats = await lstat(path);
    if (stats.isDirectory()) await folder(path);
    else if (stats.isFile()) await chmod(path, PRIVATE_FILE_MODE);
  });
  return failures;
}
