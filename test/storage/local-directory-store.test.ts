import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, test, vi } from "vitest";
import { InvalidFileKey, openExisting, StoredFileMissing } from "../../src/storage/file-store.ts";
import { LocalDirectoryStore } from "../../src/storage/local-directory-store.ts";

// Failures the file system would only give under a race or a broken disk, injected here:
// folders whose listing fails, and creations of a partial file that find their folder gone.
const faults = vi.hoisted(() => ({ unreadable: new Set<string>(), partialCreations: 0 }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  const readdir = async (path: string, ...rest: unknown[]): Promise<unknown> => {
    if (faults.unreadable.has(String(path))) throw Object.assign(new Error(`EIO: i/o error, scandir '${path}'`), { code: "EIO" });
    return Reflect.apply(fs.readdir, fs, [path, ...rest]);
  };
  const open = async (path: string, ...rest: unknown[]): Promise<unknown> => {
    if (String(path).endsWith(".partial") && faults.partialCreations > 0) {
      faults.partialCreations--;
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
    }
    return Reflect.apply(fs.open, fs, [path, ...rest]);
  };
  return { ...fs, readdir, open, default: { ...fs, readdir, open } };
});

const base = mkdtempSync(join(tmpdir(), "ue-store-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let stores = 0;
/** A store in a fresh folder of its own. */
const newStore = () => new LocalDirectoryStore(join(base, `store-${++stores}`));

/** Every file and folder under `dir`, relative to it, sorted (folders end with `/`). */
async function tree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => relative(dir, join(e.parentPath, e.name)) + (e.isDirectory() ? "/" : "")).sort();
}

async function keys(store: LocalDirectoryStore, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const file of store.list(prefix)) found.push(file.key);
  return found.sort();
}

/** A source that yields `chunks`, waiting for `gate` before the last one. */
function gated(chunks: string[], gate: Promise<void>): AsyncGenerator<string> {
  return (async function* () {
    for (const [i, chunk] of chunks.entries()) {
      if (i === chunks.length - 1) await gate;
      yield chunk;
    }
  })();
}

const mode = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);

describe("LocalDirectoryStore.put", () => {
  test("shows the file only once it is whole (owner-only), and a second put replaces it at once", async () => {
    const store = newStore();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const writing = store.put("users-usage/ws_1/a.csv", gated(["h\r\n", "1\r\n"], gate));
    // Mid-write: nothing under the key, only a partial beside it.
    while ((await tree(store.root)).length < 3) await sleep(5);
    expect(await store.stat("users-usage/ws_1/a.csv")).toBeNull();
    expect(await store.open("users-usage/ws_1/a.csv")).toBeNull();
    const [partial, ...others] = await keys(store, "users-usage/ws_1/");
    expect(others).toEqual([]);
    expect(partial).toMatch(/^users-usage\/ws_1\/a\.csv\.[0-9a-f]{12}\.partial$/);
    release();

    expect(await writing).toEqual({ size: 6 });
    expect(await tree(store.root)).toEqual(["users-usage/", "users-usage/ws_1/", "users-usage/ws_1/a.csv"]);
    const path = store.locate("users-usage/ws_1/a.csv");
    expect(path).toBe(join(store.root, "users-usage", "ws_1", "a.csv"));
    expect(await readFile(path, "utf8")).toBe("h\r\n1\r\n");
    expect([await mode(path), await mode(dirname(path)), await mode(dirname(dirname(path)))]).toEqual(["600", "700", "700"]);

    expect(await store.put("users-usage/ws_1/a.csv", Readable.from(["new"]))).toEqual({ size: 3 });
    expect(await readFile(path, "utf8")).toBe("new");
    expect(await keys(store)).toEqual(["users-usage/ws_1/a.csv"]);
  });

  test("a source that fails leaves no partial, and the file it would have replaced as it was", async () => {
    const store = newStore();
    await store.put("a/f.csv", Readable.from(["kept"]));
    const failing = (async function* () {
      yield "half";
      throw new Error("the database went away");
    })();
    await expect(store.put("a/f.csv", failing)).rejects.toThrow("the database went away");
    expect(await keys(store)).toEqual(["a/f.csv"]);
    expect(await readFile(store.locate("a/f.csv"), "utf8")).toBe("kept");
  });

  test("a stream that fails while the partial is being made fails the put (not the process), and leaves nothing", async () => {
    const store = newStore();
    const source = new Readable({ read() {} });
    const put = store.put("a/f.csv", source);
    // Before the put's first file-system call returns: no pipeline listens yet.
    source.destroy(Object.assign(new Error("EIO: i/o error, read"), { code: "EIO" }));
    await expect(put).rejects.toThrow("EIO: i/o error, read");
    expect(source.listenerCount("error")).toBe(0);
    expect(await tree(store.root)).toEqual(["a/"]);
  });

  test("an aborted put leaves no file and no partial", async () => {
    const store = newStore();
    const stop = new AbortController();
    const endless = (async function* () {
      for (;;) {
        yield "row\r\n";
        await sleep(2);
      }
    })();
    setTimeout(() => stop.abort(), 30);
    await expect(store.put("a/f.csv", endless, { signal: stop.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(await keys(store)).toEqual([]);
  });

  test("concurrent puts of one key end with one of them, whole, and no partial", async () => {
    const store = newStore();
    // Eight writers of 64 kB each, in 1 kB chunks that interleave.
    const contents = Array.from({ length: 8 }, (_, i) => String.fromCharCode(97 + i).repeat(64 * 1024));
    const source = async function* (text: string) {
      for (let at = 0; at < text.length; at += 1024) {
        yield text.slice(at, at + 1024);
        await sleep(0);
      }
    };
    const sizes = await Promise.all(contents.map((text) => store.put("a/same.csv", source(text))));
    expect(sizes).toEqual(contents.map(() => ({ size: 64 * 1024 })));
    const written = await readFile(store.locate("a/same.csv"), "utf8");
    expect(contents.filter((text) => text === written)).toHaveLength(1);
    expect(await keys(store)).toEqual(["a/same.csv"]);
  });

  test("a folder pruned between its making and the partial's creation is made again; five such misses fail the put", async () => {
    const store = newStore();
    faults.partialCreations = 4;
    expect(await store.put("a/b.csv", Readable.from(["x"]))).toEqual({ size: 1 });
    expect(faults.partialCreations).toBe(0);

    faults.partialCreations = 5;
    await expect(store.put("a/c.csv", Readable.from(["x"]))).rejects.toMatchObject({ code: "ENOENT" });
    faults.partialCreations = 0;
    expect(await keys(store)).toEqual(["a/b.csv"]);
  });
});

describe("LocalDirectoryStore reads and deletes", () => {
  test("open gives the bytes and size; stat and remove see the file; a missing one is null, then false", async () => {
    const store = newStore();
    await store.put("a/f.csv", Readable.from(["hello"]));
    const opened = await store.open("a/f.csv");
    expect(opened?.size).toBe(5);
    expect((await buffer(opened!.stream)).toString()).toBe("hello");
    expect(await store.stat("a/f.csv")).toMatchObject({ key: "a/f.csv", size: 5 });

    // A folder, a path through a file, and nothing at all: no file.
    expect([await store.open("a"), await store.stat("a"), await store.open("a/f.csv/x"), await store.stat("nope/x")]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(await store.remove("a/f.csv")).toBe(true);
    expect(await store.remove("a/f.csv")).toBe(false);
    expect(await store.remove("a/f.csv/x")).toBe(false);
    expect(await store.open("a/f.csv")).toBeNull();
    await expect(store.remove("a")).rejects.toMatchObject({ code: "EISDIR" });
  });

  test("open of a named pipe left in the store answers null at once", async () => {
    const store = newStore();
    await mkdir(store.root, { recursive: true });
    execFileSync("mkfifo", [join(store.root, "pipe.csv")]);
    expect(await store.open("pipe.csv")).toBeNull();
  });

  test("openExisting opens a file, or names the missing key and where it was looked for", async () => {
    const store = newStore();
    await store.put("a/f.csv", Readable.from(["x"]));
    expect((await buffer((await openExisting(store, "a/f.csv")).stream)).toString()).toBe("x");
    const error = await openExisting(store, "a/gone.csv").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoredFileMissing);
    expect(error).toMatchObject({
      key: "a/gone.csv",
      message: `a/gone.csv is not in the export store (${join(store.root, "a", "gone.csv")})`,
    });
  });

  test("list shows every file under a prefix with its size and age, partials included; prune removes empty folders only", async () => {
    const store = newStore();
    await store.put("a/x/1.csv", Readable.from(["1"]));
    await store.put("a/y/2.csv", Readable.from(["22"]));
    await store.put("b/3.csv", Readable.from(["333"]));
    await writeFile(join(store.root, "a", "x", "1.csv.0123456789ab.partial"), "half");
    await mkdir(join(store.root, "a", "empty", "deeper"), { recursive: true });

    const listed = [];
    for await (const file of store.list("a/")) listed.push(file);
    expect(listed.map((f) => [f.key, f.size]).sort()).toEqual([
      ["a/x/1.csv", 1],
      ["a/x/1.csv.0123456789ab.partial", 4],
      ["a/y/2.csv", 2],
    ]);
    expect(listed.every((f) => f.modifiedAt.getTime() > Date.now() - 60_000)).toBe(true);
    expect(await keys(store)).toEqual(["a/x/1.csv", "a/x/1.csv.0123456789ab.partial", "a/y/2.csv", "b/3.csv"]);
    expect(await keys(store, "a/x/")).toEqual(["a/x/1.csv", "a/x/1.csv.0123456789ab.partial"]);
    expect(await keys(store, "nothing/")).toEqual([]);

    await store.remove("b/3.csv");
    await store.prune("a/");
    expect(await tree(store.root)).toEqual(["a/", "a/x/", "a/x/1.csv", "a/x/1.csv.0123456789ab.partial", "a/y/", "a/y/2.csv", "b/"]);
    await store.prune("");
    expect(await tree(store.root)).toEqual(["a/", "a/x/", "a/x/1.csv", "a/x/1.csv.0123456789ab.partial", "a/y/", "a/y/2.csv"]);
    // The root stays, even empty.
    for (const key of await keys(store)) await store.remove(key);
    await store.prune("");
    expect([existsSync(store.root), await tree(store.root)]).toEqual([true, []]);
  });

  test("a folder that can't be listed goes to onError and the listing goes on; without onError the listing fails", async () => {
    const store = newStore();
    await store.put("a/1.csv", Readable.from(["1"]));
    await store.put("b/2.csv", Readable.from(["2"]));
    faults.unreadable.add(join(store.root, "a"));
    try {
      const problems: [string, string][] = [];
      const seen: string[] = [];
      for await (const file of store.list("", { onError: (error, prefix) => problems.push([prefix, String(error)]) })) seen.push(file.key);
      expect(seen).toEqual(["b/2.csv"]);
      expect(problems).toEqual([["a/", `Error: EIO: i/o error, scandir '${join(store.root, "a")}'`]]);
      await expect(keys(store)).rejects.toMatchObject({ code: "EIO" });
    } finally {
      faults.unreadable.clear();
    }
    // A prefix that is a file, not a folder, fails the same way.
    await expect(keys(store, "a/1.csv/")).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});

describe("keys", () => {
  const refused = ["", "../x", "a/../../x", "a/..", "./a", "/etc/passwd", "a\\b", "..\\x", "a//b", "a/", "a\0b"];

  test.each(refused)("%j is refused by every operation, and nothing is written outside the store", async (key) => {
    const store = newStore();
    await mkdir(store.root, { recursive: true });
    await expect(store.put(key, Readable.from(["x"]))).rejects.toBeInstanceOf(InvalidFileKey);
    for (const call of [() => store.open(key), () => store.stat(key), () => store.remove(key)])
      await expect(call()).rejects.toBeInstanceOf(InvalidFileKey);
    expect(() => store.locate(key)).toThrow(InvalidFileKey);
    expect(await tree(dirname(store.root))).not.toContain("x");
    expect(await tree(store.root)).toEqual([]);
  });

  test("a prefix is empty or a key followed by /", async () => {
    const store = newStore();
    for (const prefix of ["a", "../", "/a/", "a//"]) {
      await expect(keys(store, prefix)).rejects.toBeInstanceOf(InvalidFileKey);
      await expect(store.prune(prefix)).rejects.toBeInstanceOf(InvalidFileKey);
    }
    expect(() => store.locate("a/../b")).toThrow('"a/../b" is not a file key: it has an empty, . or .. segment');
  });
});
