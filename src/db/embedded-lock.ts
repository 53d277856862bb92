import { mkdir, readFile, rename, rm, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { z } from "zod";
import { errnoCode } from "../errors/errno.ts";

/**
 * Embedded PGlite admits one process per data directory. The holder keeps a
 * proper-lockfile lock (a `pglite.lock` directory whose mtime it refreshes) and
 * writes its pid inside it. A holder that died is recognised at once by its pid;
 * the mtime only decides when the pid cannot be checked (another host, or a
 * crash between taking the lock and writing the pid).
 *
 * proper-lockfile remembers the lock directory's mtime and, at each refresh,
 * takes any other mtime for a lock stolen by someone else. Writing the owner file
 * inside the directory changes that mtime, so it is put back right after.
 */

/** Held by the one process that may open the embedded PGlite directory. */
export interface EmbeddedLock {
  release(): Promise<void>;
}

/** How a running server can be reached by a CLI on the same DATA_DIR. */
export interface ServerAdvert {
  url: string;
  token: string;
  pid: number;
}

const MINUTE = 60_000;

/** How often the holder refreshes the lock, and after how long without a refresh others may take it. */
export interface LockTiming {
  refreshEveryMs: number;
  staleAfterMs: number;
}

export const LOCK_TIMING: LockTiming = {
  refreshEveryMs: 1 * MINUTE,
  /**
   * Long, because PGlite runs on the main thread: initdb or a large query can hold
   * the event loop (and so the mtime refresh) for many seconds, and a shorter
   * threshold would let another process take a live holder's lock.
   */
  staleAfterMs: 10 * MINUTE,
};
const OWNER_FILE = "owner.json";

interface Owner {
  pid: number;
  host: string;
}

const lockTarget = (dataDir: string) => join(dataDir, "pglite");
const lockDir = (dataDir: string) => `${lockTarget(dataDir)}.lock`;

/** Takes the embedded database's lock, or returns null when another live process holds it. */
export async function acquireEmbeddedLock(dataDir: string, timing: LockTiming = LOCK_TIMING): Promise<EmbeddedLock | null> {
  await mkdir(dataDir, { recursive: true });
  const attempt = await tryLock(dataDir, timing);
  if (typeof attempt !== "string") return attempt;
  const ownerText = await readOwnerText(dataDir);
  // Not refreshed for staleAfterMs: the holder hung, or its pid was reused. Take it, owner or not.
  if (attempt === "stale") return takeOver(dataDir, ownerText, timing);
  const owner = parseOwner(ownerText);
  if (!owner) return null; // being taken right now (or a lock without owner: its mtime decides)
  const dead = owner.host === hostname() && !isAlive(owner.pid);
  return dead ? takeOver(dataDir, ownerText, timing) : null;
}

/** The lock; or why not: "held" by a live-looking holder, or "stale" (not refreshed for staleAfterMs). */
async function tryLock(dataDir: string, timing: LockTiming): Promise<EmbeddedLock | "held" | "stale"> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(lockTarget(dataDir), {
      realpath: false,
      stale: timing.staleAfterMs,
      update: timing.refreshEveryMs,
      retries: 0,
      onCompromised: (error) => {
        // Another process took the lock (or it vanished): going on could corrupt the database.
        throw new Error(`lost the lock on the embedded database in ${dataDir}: ${error.message}`);
      },
    });
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ELOCKED") return "held";
    // proper-lockfile found the lock stale but cannot rmdir it: our owner file is inside.
    if (code === "ENOTEMPTY" || code === "EEXIST") return "stale";
    throw error;
  }
  const ownerFile = join(lockDir(dataDir), OWNER_FILE);
  const { mtime } = await stat(lockDir(dataDir));
  await writeFile(ownerFile, JSON.stringify({ pid: process.pid, host: hostname() } satisfies Owner), { mode: 0o600 });
  await utimes(lockDir(dataDir), mtime, mtime); // the mtime proper-lockfile expects at its first refresh
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      // The lock directory must be empty for proper-lockfile to remove it.
      await unlink(ownerFile).catch(() => undefined);
      await release().catch(() => undefined);
    },
  };
}

/**
 * Replaces the lock of a dead holder, if it is still the one seen (same owner
 * file). A second, short-lived lock serialises take-overs, so two newcomers
 * cannot both remove the dead lock and each end up believing it holds a fresh one.
 */
async function takeOver(dataDir: string, seenOwner: string | null, timing: LockTiming): Promise<EmbeddedLock | null> {
  // (The guard's file name differs from the main one: proper-lockfile keys its locks by file.)
  let releaseGuard: () => Promise<void>;
  try {
    releaseGuard = await lockfile.lock(join(dataDir, "pglite-takeover"), {
      realpath: false,
      stale: 10_000,
      retries: { retries: 20, minTimeout: 25, maxTimeout: 250 },
      onCompromised: () => undefined, // held for milliseconds; the main lock is what matters
    });
  } catch {
    return null;
  }
  try {
    if ((await readOwnerText(dataDir)) !== seenOwner) return null; // someone else took it over meanwhile
    // Renamed away first, so nobody sees a half-removed lock directory.
    const doomed = `${lockDir(dataDir)}.dead-${process.pid}`;
    await rename(lockDir(dataDir), doomed).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error; // already gone: fine
    });
    await rm(doomed, { recursive: true, force: true });
    const attempt = await tryLock(dataDir, timing);
    return typeof attempt === "string" ? null : attempt;
  } finally {
    await releaseGuard().catch(() => undefined);
  }
}

async function readOwnerText(dataDir: string): Promise<string | null> {
  return readFile(join(lockDir(dataDir), OWNER_FILE), "utf8").catch(() => null);
}

const OwnerFile = z.object({ pid: z.number(), host: z.string() });

function parseOwner(text: string | null): Owner | null {
  try {
    return OwnerFile.safeParse(JSON.parse(text ?? "null")).data ?? null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
}

const advertFile = (dataDir: string) => join(dataDir, "server.json");

/**
 * Announces a running server to CLIs on the same DATA_DIR. `url` must be
 * reachable on loopback (e.g. `http://127.0.0.1:4000`, not `0.0.0.0`); the file
 * is readable by its owner only, since the token lets a caller run any command.
 */
export async function writeServerAdvert(dataDir: string, advert: ServerAdvert): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const temp = `${advertFile(dataDir)}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(advert), { mode: 0o600 });
  await rename(temp, advertFile(dataDir)); // readers never see half a file
}

/** The advert of a live server, or null (none, unreadable, or its process is gone). */
export async function readServerAdvert(dataDir: string): Promise<ServerAdvert | null> {
  let text: string;
  try {
    text = await readFile(advertFile(dataDir), "utf8");
  } catch {
    return null;
  }
  const advert = AdvertFile.safeParse(parseJson(text)).data;
  return advert && isAlive(advert.pid) ? advert : null;
}

const AdvertFile = z.object({ url: z.string(), token: z.string(), pid: z.number() });

/** The JSON value of `text`; undefined when it is not JSON (a half-written or foreign file). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Removes the advert unless it belongs to another live server. */
export async function removeServerAdvert(dataDir: string): Promise<void> {
  const current = await readServerAdvert(dataDir);
  if (current && current.pid !== process.pid) return;
  await rm(advertFile(dataDir), { force: true });
}
