import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { acquireEmbeddedLock, readServerAdvert, removeServerAdvert, writeServerAdvert } from "../../src/db/embedded-lock.ts";

const CHILD = new URL("./lock-child.ts", import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), "ue-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `data-${++n}`);

/** Asks a separate process to take the lock once; true when it got it. */
async function otherProcessAcquires(dataDir: string): Promise<boolean> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", CHILD, dataDir, "try"]);
  return z.object({ acquired: z.boolean() }).parse(JSON.parse(stdout)).acquired;
}

/** A pid that surely belongs to no process: one that has just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

describe("embedded database lock", () => {
  test("a second process is refused while the lock is held, and gets it once released", async () => {
    const dir = freshDir();
    const lock = await acquireEmbeddedLock(dir);
    expect(lock).not.toBeNull();
    expect(await otherProcessAcquires(dir)).toBe(false);
    // The same process asking again is refused too: one holder per directory.
    expect(await acquireEmbeddedLock(dir)).toBeNull();
    await lock!.release();
    expect(await otherProcessAcquires(dir)).toBe(true);
  });

  test("the holder keeps its lock across many refreshes, and others stay refused", async () => {
    const dir = freshDir();
    const holder = spawn(process.execPath, ["--import", "tsx", CHILD, dir, "hold"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LOCK_REFRESH_MS: "300", LOCK_STALE_MS: "2000" },
    });
    let stderr = "";
    holder.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => holder.on("exit", resolve));
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
    // Ten refreshes: the first one used to take the owner file's write for a stolen lock and end the process.
    const outcome = await Promise.race([exited.then((code) => `exited ${code}`), new Promise((r) => setTimeout(() => r("alive"), 3_000))]);
    expect({ outcome, stderr }).toEqual({ outcome: "alive", stderr: "" });
    expect(await otherProcessAcquires(dir)).toBe(false);
    holder.kill("SIGKILL");
    await exited;
  });

  test("the lock of a killed process is taken over at once", async () => {
    const dir = freshDir();
    const holder = spawn(process.execPath, ["--import", "tsx", CHILD, dir, "hold"], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
    expect(await acquireEmbeddedLock(dir)).toBeNull();
    holder.kill("SIGKILL"); // no exit handlers run: the lock directory stays behind
    await new Promise((resolve) => holder.on("exit", resolve));
    expect(existsSync(join(dir, "pglite.lock"))).toBe(true);

    const lock = await acquireEmbeddedLock(dir);
    expect(lock).not.toBeNull();
    expect(JSON.parse(readFileSync(join(dir, "pglite.lock", "owner.json"), "utf8"))).toEqual({
      pid: process.pid,
      host: hostname(),
    });
    await lock!.release();
    expect(existsSync(join(dir, "pglite.lock"))).toBe(false);
  });

  test("a lock left by a dead pid is taken over; one of a live pid is not", async () => {
    const dir = freshDir();
    mkdirSync(join(dir, "pglite.lock"), { recursive: true });
    const owner = join(dir, "pglite.lock", "owner.json");
    writeFileSync(owner, JSON.stringify({ pid: process.ppid, host: hostname() }));
    expect(await acquireEmbeddedLock(dir)).toBeNull();
    writeFileSync(owner, JSON.stringify({ pid: await deadPid(), host: hostname() }));
    const lock = await acquireEmbeddedLock(dir);
    expect(lock).not.toBeNull();
    await lock!.release();
  });

  test("a holder on another host is trusted until its lock goes 10 minutes without a refresh", async () => {
    const dir = freshDir();
    const lockDir = join(dir, "pglite.lock");
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, "owner.json"), JSON.stringify({ pid: 1, host: "some-other-host" }));
    expect(await acquireEmbeddedLock(dir)).toBeNull();
    const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000);
    utimesSync(lockDir, elevenMinutesAgo, elevenMinutesAgo);
    const lock = await acquireEmbeddedLock(dir);
    expect(lock).not.toBeNull();
    expect(statSync(lockDir).mtimeMs).toBeGreaterThan(elevenMinutesAgo.getTime());
    await lock!.release();
  });

  test("a lock without a readable owner waits for the mtime; once stale it is taken over", async () => {
    const dir = freshDir();
    const lockDir = join(dir, "pglite.lock");
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, "owner.json"), "{garbled");
    expect(await acquireEmbeddedLock(dir)).toBeNull();
    const longAgo = new Date(Date.now() - 60 * 60_000);
    utimesSync(lockDir, longAgo, longAgo);
    const lock = await acquireEmbeddedLock(dir);
    expect(lock).not.toBeNull();
    await lock!.release();
  });
});

describe("server advert", () => {
  test("is written for the owner only and read back while its process lives", async () => {
    const dir = freshDir();
    const advert = { url: "http://127.0.0.1:4100", token: "t0k3n", pid: process.pid };
    await writeServerAdvert(dir, advert);
    expect(statSync(join(dir, "server.json")).mode & 0o777).toBe(0o600);
    expect(await readServerAdvert(dir)).toEqual(advert);
    await removeServerAdvert(dir);
    expect(await readServerAdvert(dir)).toBeNull();
    expect(existsSync(join(dir, "server.json"))).toBe(false);
  });

  test("the advert of a dead server reads as none, and a live other server's advert is not removed", async () => {
    const dir = freshDir();
    await writeServerAdvert(dir, { url: "http://127.0.0.1:4101", token: "x", pid: await deadPid() });
    expect(await readServerAdvert(dir)).toBeNull();
    const live = { url: "http://127.0.0.1:4102", token: "y", pid: process.ppid };
    await writeServerAdvert(dir, live);
    await removeServerAdvert(dir);
    expect(await readServerAdvert(dir)).toEqual(live);
  });

  test("a missing or garbled advert reads as none", async () => {
    const dir = freshDir();
    expect(await readServerAdvert(dir)).toBeNull();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "server.json"), "{not json");
    expect(await readServerAdvert(dir)).toBeNull();
  });
});
