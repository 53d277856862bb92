import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { afterAll, expect, test } from "vitest";
import { parseEnv } from "../../src/config/env.ts";
import { openFileStore } from "../../src/storage/open-file-store.ts";

const base = mkdtempSync(join(tmpdir(), "ue-open-store-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

test("EXPORT_STORAGE_DIR names the store's folder (relative to the working directory); unset or empty, it is DATA_DIR/exports", () => {
  const dataDir = join(base, "data");
  expect(parseEnv({ DATA_DIR: dataDir }).exportStorageDir).toBe(join(dataDir, "exports"));
  expect(parseEnv({ DATA_DIR: dataDir, EXPORT_STORAGE_DIR: "" }).exportStorageDir).toBe(join(dataDir, "exports"));
  expect(parseEnv({ DATA_DIR: dataDir, EXPORT_STORAGE_DIR: "/mnt/shared/exports" }).exportStorageDir).toBe("/mnt/shared/exports");
  expect(parseEnv({ DATA_DIR: dataDir, EXPORT_STORAGE_DIR: "shared" }).exportStorageDir).toBe(resolve("shared"));
});

test("opening the store makes its folder, owner-only, and files go there", async () => {
  const root = join(base, "volume", "exports");
  const store = await openFileStore(parseEnv({ DATA_DIR: join(base, "data"), EXPORT_STORAGE_DIR: root }));
  expect((statSync(root).mode & 0o777).toString(8)).toBe("700");
  await store.put("a/b.csv", Readable.from(["x"]));
  expect(store.locate("a/b.csv")).toBe(join(root, "a", "b.csv"));
  expect(statSync(join(root, "a", "b.csv")).size).toBe(1);
});

test("a store folder that can't be made fails the opening", async () => {
  writeFileSync(join(base, "in-the-way"), "a file");
  await expect(openFileStore({ exportStorageDir: join(base, "in-the-way", "exports") })).rejects.toMatchObject({ code: "ENOTDIR" });
});
