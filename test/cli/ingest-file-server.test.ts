import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { openApp, type OpenedApp } from "../../src/app.ts";
import { parseEnv } from "../../src/config/env.ts";
import { removeServerAdvert, writeServerAdvert } from "../../src/db/embedded-lock.ts";
import { createWorkspace } from "../../src/workspaces/create-workspace.ts";
import { startTestServer } from "../helpers/http.ts";
import { messageLines, writeNdjson } from "./ndjson-files.ts";
import { runCli, tempDataDir } from "./run-cli.ts";

/**
 * `ingest FILE` while a server holds the embedded database: this test process
 * plays the server (as in server-forwarding.test.ts), so every batch the CLI
 * reads must travel to it as one forwarded command.
 */
const dataDir = tempDataDir();
const token = randomBytes(24).toString("hex");
const cli = (...args: string[]) => runCli(dataDir, args);
const checkpointOf = (file: string) => `${file}.ingest-progress.json`;
let app: OpenedApp;

// At the top level: vitest never runs an afterAll registered inside a hook.
afterAll(async () => {
  await removeServerAdvert(dataDir);
  await app?.close();
});

beforeAll(async () => {
  app = await openApp(parseEnv({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }));
  const url = await startTestServer(app, { localCliToken: token });
  await writeServerAdvert(dataDir, { url, token, pid: process.pid });
});

const counts = async (workspaceId: string) => ({
  stored: await app.db.prisma.usageRecord.count({ where: { workspaceId } }),
  rolledUp: (await app.db.prisma.usageDaily.aggregate({ where: { workspaceId }, _sum: { records: true } }))._sum.records ?? 0,
});

/** How many batches of at most `budget` bytes of JSON-string lines (each plus a comma) the lines fill, in order. */
function batchesOf(lines: string[], budget: number): number {
  let batches = 0;
  let used = budget;
  for (const line of lines) {
    const cost = Buffer.byteLength(JSON.stringify(line)) + 1;
    if (used + cost > budget) {
      batches++;
      used = 0;
    }
    used += cost;
  }
  return batches;
}

describe("usage-exports ingest FILE through the server holding the embedded database", () => {
  test("the file's batches are stored by the server, each small enough for one forwarded request", async () => {
    const { workspaceId } = await createWorkspace(app.db, { name: "Forwarded file" });
    const lines = messageLines("fw", 5_000);
    const file = writeNdjson(join(dataDir, "forwarded.ndjson.gz"), lines, { gzip: true });
    const run = await cli("ingest", file, "--workspace", workspaceId);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(run.json).toMatchObject({ resumedAfterLine: 0, lines: 5_000, records: 5_000, accepted: 5_000, duplicates: 0 });
    const result = z.object({ batches: z.number() }).parse(run.json);
    // A forwarded batch holds at most 60 KiB of lines as JSON strings (the endpoint takes 64 KiB): about 220 of these.
    expect(result.batches).toBe(batchesOf(lines, 60 * 1024));
    expect(result.batches).toBeGreaterThan(20);
    expect(await counts(workspaceId)).toEqual({ stored: 5_000, rolledUp: 5_000 });
    expect(existsSync(checkpointOf(file))).toBe(false);
  });

  test("a bad line is reported with its line in the file, and the run resumes at its batch", async () => {
    const { workspaceId } = await createWorkspace(app.db, { name: "Forwarded bad line" });
    const lines = messageLines("fb", 600);
    lines[350] = '{"type":"invoice","id":"i1"}';
    const file = writeNdjson(join(dataDir, "forwarded-bad.ndjson"), lines);
    const stopped = [
      'line 351: unknown record type "invoice"',
      `Stopped: the batch of lines 301–400 was refused and nothing of it stored; lines 1–300 are stored (checkpoint ${checkpointOf(file)}).`,
      "Fix the file and run the command again (a changed file is sent from the top: records already stored count as duplicates).",
      "",
    ].join("\n");
    const run = await cli("ingest", file, "--workspace", workspaceId, "--batch-records", "100");
    expect([run.code, run.stdout, run.stderr]).toEqual([1, "", stopped]);
    expect(JSON.parse(readFileSync(checkpointOf(file), "utf8"))).toMatchObject({ line: 300, database: `embedded:${dataDir}` });
    expect(await counts(workspaceId)).toEqual({ stored: 300, rolledUp: 300 });

    lines[350] = messageLines("fb", 351)[350]!;
    writeNdjson(join(dataDir, "forwarded-bad.ndjson"), lines);
    const fixed = await cli("ingest", file, "--workspace", workspaceId, "--batch-records", "100");
    expect(fixed.json).toMatchObject({ resumedAfterLine: 0, records: 600, batches: 6, accepted: 300, duplicates: 300 });
    expect(await counts(workspaceId)).toEqual({ stored: 600, rolledUp: 600 });
  });

  test("a line too long for one forwarded request stops the run and says how to ingest it", async () => {
    const { workspaceId } = await createWorkspace(app.db, { name: "Forwarded long line" });
    const file = writeNdjson(join(dataDir, "forwarded-long.ndjson"), [...messageLines("fl", 2), "x".repeat(70_000)]);
    const run = await cli("ingest", file, "--workspace", workspaceId);
    expect([run.code, run.stderr]).toEqual([
      1,
      "line 3 is too long to send through the server holding the embedded database (70003 bytes as JSON, at most 61440): stop the server and run the command again, to ingest in this process\n",
    ]);
    // Nothing of the batch that would have held it was sent.
    expect(await counts(workspaceId)).toEqual({ stored: 0, rolledUp: 0 });
  });
});
