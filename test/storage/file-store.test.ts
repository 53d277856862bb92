import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { InvalidFileKey, removeAbandonedWrites } from "../../src/storage/file-store.ts";
import { LocalDirectoryStore } from "../../src/storage/local-directory-store.ts";

const root = mkdtempSync(join(tmpdir(), "ue-abandoned-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("abandoned writes of one file are removed; the file itself, other files' partials and look-alikes stay", async () => {
  const store = new LocalDirectoryStore(root);
  const dir = join(root, "users-usage", "ws_1");
  await mkdir(dir, { recursive: true });
  const names = [
    "a.csv",
    "a.csv.0123456789ab.partial",
    "a.csv.ba9876543210.partial",
    "a.csv2.0123456789ab.partial",
    "b.csv.0123456789ab.partial",
    "a.csv.partial.bak",
  ];
  for (const name of names) await writeFile(join(dir, name), "x");

  expect(await removeAbandonedWrites(store, "users-usage/ws_1/a.csv")).toBe(2);
  expect((await readdir(dir)).sort()).toEqual(["a.csv", "a.csv.partial.bak", "a.csv2.0123456789ab.partial", "b.csv.0123456789ab.partial"]);
  // Nothing left to do the second time; a key at the store's root works too.
  expect(await removeAbandonedWrites(store, "users-usage/ws_1/a.csv")).toBe(0);
  await writeFile(join(root, "top.zip.00aa00aa00aa.partial"), "x");
  expect(await removeAbandonedWrites(store, "top.zip")).toBe(1);
  await expect(removeAbandonedWrites(store, "../a.csv")).rejects.toThrow(InvalidFileKey);
});
