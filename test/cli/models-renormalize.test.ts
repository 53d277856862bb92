import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { z } from "zod";
import { cliDatabase, messageLine, writeNdjson } from "./ndjson-files.ts";
import { runCli, tempDataDir } from "./run-cli.ts";

/** `usage-exports models renormalize`: the rules file changes between ingestion and the command. */
const dataDir = tempDataDir();
const rulesFile = join(dataDir, "model-names.json");
let db: Awaited<ReturnType<typeof cliDatabase>>;
const cli = (...args: string[]) => runCli(dataDir, args, { env: { ...db.env, MODEL_NAMES_FILE: rulesFile } });

beforeAll(async () => {
  db = await cliDatabase(dataDir);
});

test("renormalizing after a rule change prints how many records changed, and the models export shows the new names", async () => {
  const ws = await db.newWorkspace("Rules change");
  writeFileSync(rulesFile, JSON.stringify({ rules: [] }));
  const lines = Array.from({ length: 30 }, (_, i) => messageLine("rn", i, i % 3 === 0 ? "acme-writer-v3" : "gpt-4o"));
  const file = writeNdjson(join(dataDir, "models.ndjson"), lines);
  expect((await cli("ingest", file, "--workspace", ws)).json).toMatchObject({ accepted: 30 });

  writeFileSync(rulesFile, JSON.stringify({ aliases: { "acme-writer-v3": "acme-writer" } }));
  const run = await cli("models", "renormalize", "--workspace", ws);
  expect([run.code, run.stderr]).toEqual([0, ""]);
  expect(run.json).toEqual({
    workspaceId: ws,
    changed: 10,
    renamed: [{ raw: "acme-writer-v3", from: "acme-writer-v3", to: "acme-writer", records: 10 }],
  });

  const exported = await cli("export", "models", "--workspace", ws, "--from", "2026-10-01", "--to", "2026-10-01", "--tz", "UTC");
  const csv = readFileSync(z.object({ absolutePath: z.string() }).parse(exported.json).absolutePath, "utf8");
  const rows = csv.trimEnd().split("\r\n");
  const nameAt = rows[0]!.split(",").indexOf("name");
  expect(
    rows
      .slice(1)
      .map((row) => row.split(",")[nameAt])
      .sort(),
  ).toEqual(["acme-writer", "gpt-4o"]);
  expect(await db.counts(ws)).toEqual({ stored: 30, rolledUp: 30 });
});

test("an unknown workspace is named", async () => {
  expect(await cli("models", "renormalize", "--workspace", "ws_nope")).toMatchObject({
    code: 1,
    stderr: 'Workspace "ws_nope" not found\n',
  });
});
