import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, expect, test } from "vitest";
import { saveExportAs } from "../../src/cli/commands/export.ts";
import { LocalDirectoryStore } from "../../src/storage/local-directory-store.ts";

const dir = mkdtempSync(join(tmpdir(), "ue-save-as-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = new LocalDirectoryStore(join(dir, "exports"));
const filePath = "users-usage/ws_1/users-usage-2026-10-01-2026-10-31-0123abcd.csv";

test("-o copies the export from the file store and the JSON names the copy", async () => {
  await store.put(filePath, Readable.from(["a,b\r\n1,2\r\n"]));
  const output = join(dir, "copy.csv");
  expect(await saveExportAs(store, { filePath, recordCount: 1 }, output)).toEqual({ filePath, recordCount: 1, output });
  expect(readFileSync(output, "utf8")).toBe("a,b\r\n1,2\r\n");
});

test("-o with a file the CLI's store does not hold says where it looked", async () => {
  const missing = filePath.replace("0123abcd", "ffffffff");
  await expect(saveExportAs(store, { filePath: missing }, join(dir, "never.csv"))).rejects.toThrow(
    `the export file ${missing} is not in the export store at ${join(dir, "exports", missing)}: is EXPORT_STORAGE_DIR the service's?`,
  );
});
