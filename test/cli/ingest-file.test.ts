import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import type { Checkpoint } from "../../src/ingest-file/checkpoint.ts";
import { cliDatabase, messageLine, messageLines, spawnCli, writeNdjson } from "./ndjson-files.ts";
import { runCli, tempDataDir } from "./run-cli.ts";

/**
 * `usage-exports ingest FILE`, the CLI opening the database itself: embedded
 * PGlite, or with DATABASE_URL a PostgreSQL database of this file's own.
 */
const dataDir = tempDataDir();
let db: Awaited<ReturnType<typeof cliDatabase>>;
const cli = (...args: string[]) => runCli(dataDir, args, { env: db.env });
const checkpointOf = (file: string) => `${file}.ingest-progress.json`;
/** The checkpoint file, checked against the shape src/ingest-file/checkpoint.ts writes. */
const CheckpointFile: z.ZodType<Checkpoint> = z.object({
  version: z.literal(1),
  offset: z.number(),
  line: z.number(),
  records: z.number(),
  updatedAt: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  workspaceId: z.string(),
  database: z.string(),
});
const readCheckpoint = (file: string) => CheckpointFile.parse(JSON.parse(readFileSync(checkpointOf(file), "utf8")));

beforeAll(async () => {
  db = await cliDatabase(dataDir);
});

describe("usage-exports ingest FILE", () => {
  test("a file of 15,000 records is stored in batches of the default 5,000 with exact counts", async () => {
    const ws = await db.newWorkspace("Big file");
    const file = writeNdjson(join(dataDir, "usage.ndjson"), messageLines("big", 15_000));
    const run = await cli("ingest", file, "--workspace", ws);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(run.json).toEqual({
      file,
      workspaceId: ws,
      resumedAfterLine: 0,
      lines: 15_000,
      records: 15_000,
      batches: 3,
      accepted: 15_000,
      duplicates: 0,
    });
    // Finished: no checkpoint is left, so the next run sends the whole file (idempotently).
    expect(existsSync(checkpointOf(file))).toBe(false);
    expect(await db.counts(ws)).toEqual({ stored: 15_000, rolledUp: 15_000 });
  });

  test("a gzip file is read whether it is named .gz or only starts like gzip; blank lines count as lines; records sent again are duplicates", async () => {
    const ws = await db.newWorkspace("Gzip file");
    const lines = messageLines("gz", 1_200);
    lines.splice(600, 0, "", "   ");
    const named = writeNdjson(join(dataDir, "usage.ndjson.gz"), lines, { gzip: true });
    const run = await cli("ingest", named, "--workspace", ws, "--batch-records", "500");
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(run.json).toMatchObject({ lines: 1_202, records: 1_200, batches: 3, accepted: 1_200, duplicates: 0 });

    const unnamed = writeNdjson(join(dataDir, "usage-export.data"), messageLines("gz", 1_500), { gzip: true });
    const sniffed = await cli("ingest", unnamed, "--workspace", ws);
    expect(sniffed.json).toMatchObject({ lines: 1_500, records: 1_500, batches: 1, accepted: 300, duplicates: 1_200 });
    expect(await db.counts(ws)).toEqual({ stored: 1_500, rolledUp: 1_500 });
  });

  // The gzip file is smaller: resuming it inflates from the top, skipping what was stored, and a busy machine is slow.
  for (const { gzip, total, batch } of [
    { gzip: false, total: 12_000, batch: 1_000 },
    { gzip: true, total: 10_000, batch: 1_000 },
  ])
    test(`a run killed mid-way resumes after its last stored batch, each record stored once (${gzip ? "gzip" : "plain"} file)`, async () => {
      const ws = await db.newWorkspace(`Killed ${gzip}`);
      const file = writeNdjson(join(dataDir, `killed.ndjson${gzip ? ".gz" : ""}`), messageLines(`k${gzip}`, total), { gzip });
      const child = spawnCli(dataDir, ["ingest", file, "--workspace", ws, "--batch-records", String(batch)], db.env);
      const exited = new Promise((resolve) => child.once("exit", resolve));
      // Killed once a few batches are stored and checkpointed, well before the end.
      for (;;) {
        if (existsSync(checkpointOf(file)) && readCheckpoint(file).line >= 3 * batch) break;
        if (child.exitCode !== null) throw new Error(`the CLI ended before it was killed: ${child.exitCode}`);
        await sleep(10);
      }
      child.kill("SIGKILL");
      await exited;
      const checkpoint = readCheckpoint(file);
      expect(checkpoint.line % batch).toBe(0);
      expect(checkpoint.line).toBeLessThan(total);
      // The batch in flight when killed may have been stored after the checkpoint was written: then it is sent again.
      const { stored: storedBefore } = await db.counts(ws);
      expect([storedBefore === checkpoint.line, storedBefore === checkpoint.line + batch]).toContain(true);

      const resumed = await cli("ingest", file, "--workspace", ws, "--batch-records", String(batch));
      expect([resumed.code, resumed.stderr]).toEqual([
        0,
        `Resuming after line ${checkpoint.line} (checkpoint ${checkpointOf(file)}); --restart sends the whole file again\n`,
      ]);
      expect(resumed.json).toMatchObject({
        resumedAfterLine: checkpoint.line,
        lines: total,
        records: total - checkpoint.line,
        batches: (total - checkpoint.line) / batch,
        accepted: total - storedBefore,
        duplicates: storedBefore - checkpoint.line,
      });
      expect(await db.counts(ws)).toEqual({ stored: total, rolledUp: total });
    });

  test("a bad line stops the run with the file's line numbers; the batches before it stay stored and checkpointed", async () => {
    const ws = await db.newWorkspace("Bad lines");
    const lines = messageLines("bad", 1_200);
    lines[750] = "{not json";
    lines[998] = JSON.stringify({ type: "invoice", id: "bad-999" });
    const file = writeNdjson(join(dataDir, "bad.ndjson"), lines);
    const expectedStderr = [
      // JSON is checked first: a batch with unparseable lines lists those alone.
      "line 751: not valid JSON",
      `Stopped: the batch of lines 501–1000 was refused and nothing of it stored; lines 1–500 are stored (checkpoint ${checkpointOf(file)}).`,
      "Fix the file and run the command again (a changed file is sent from the top: records already stored count as duplicates).",
      "",
    ].join("\n");
    const run = await cli("ingest", file, "--workspace", ws, "--batch-records", "500");
    expect([run.code, run.stdout, run.stderr]).toEqual([1, "", expectedStderr]);
    expect(readCheckpoint(file)).toMatchObject({ line: 500, records: 500, workspaceId: ws });
    expect(await db.counts(ws)).toEqual({ stored: 500, rolledUp: 500 });

    // Unchanged, it resumes at the bad batch and stops there again.
    const again = await cli("ingest", file, "--workspace", ws, "--batch-records", "500");
    expect([again.code, again.stderr]).toEqual([
      1,
      `Resuming after line 500 (checkpoint ${checkpointOf(file)}); --restart sends the whole file again\n${expectedStderr}`,
    ]);

    // Fixed (one line), it stops at the next bad one, still naming the file's line.
    lines[750] = messageLine("bad", 750);
    writeNdjson(file, lines);
    const fixedOne = await cli("ingest", file, "--workspace", ws, "--batch-records", "500");
    expect([fixedOne.code, fixedOne.stderr.split("\n").slice(0, 2)]).toEqual([
      1,
      [
        `Starting from the top: the checkpoint ${checkpointOf(file)} does not apply (the file changed since)`,
        'line 999: unknown record type "invoice"',
      ],
    ]);
  });

  test("over 100 bad lines in a batch: the first 100 are listed and the rest counted", async () => {
    const ws = await db.newWorkspace("Many bad lines");
    const lines = messageLines("many", 400).map((line, i) => (i >= 200 && i < 350 ? `{"type":"message","id":"x${i}"` : line));
    const file = writeNdjson(join(dataDir, "many-bad.ndjson"), lines);
    const run = await cli("ingest", file, "--workspace", ws, "--batch-records", "400");
    const stderr = run.stderr.split("\n");
    expect(run.code).toBe(1);
    expect(stderr.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => `line ${201 + i}: not valid JSON`));
    expect(stderr[100]).toBe("and 50 more problems (only the first 100 are listed)");
    expect(stderr[101]).toMatch(
      /^Stopped: the batch of lines 1–400 was refused and nothing of it stored; nothing of the file is stored\.$/,
    );
    expect(existsSync(checkpointOf(file))).toBe(false);
    expect(await db.counts(ws)).toEqual({ stored: 0, rolledUp: 0 });
  });

  test("--restart ignores the checkpoint; a checkpoint of another workspace does not apply", async () => {
    const ws = await db.newWorkspace("Restart");
    const lines = messageLines("rs", 300);
    lines[250] = "{";
    const file = writeNdjson(join(dataDir, "restart.ndjson"), lines);
    expect((await cli("ingest", file, "--workspace", ws, "--batch-records", "100")).code).toBe(1);
    expect(readCheckpoint(file).line).toBe(200);

    // From the top: no "Resuming" notice, and the same batches stored again (as duplicates).
    const restarted = await cli("ingest", file, "--workspace", ws, "--batch-records", "100", "--restart");
    expect([restarted.code, restarted.stderr.split("\n")[0]]).toEqual([1, "line 251: not valid JSON"]);
    expect(readCheckpoint(file).line).toBe(200);

    const other = await db.newWorkspace("Restart elsewhere");
    const elsewhere = await cli("ingest", file, "--workspace", other, "--batch-records", "100");
    expect(elsewhere.stderr.split("\n")[0]).toBe(
      `Starting from the top: the checkpoint ${checkpointOf(file)} does not apply (it is for workspace ${ws})`,
    );
    expect(readCheckpoint(file)).toMatchObject({ workspaceId: other, line: 200 });
    expect(await db.counts(other)).toEqual({ stored: 200, rolledUp: 200 });
  });

  test("flags are checked before anything is opened; a missing file or workspace is named", async () => {
    expect(await cli("ingest", join(dataDir, "none.ndjson"))).toMatchObject({ code: 1, stderr: "--workspace is required\n" });
    expect(await cli("ingest", join(dataDir, "none.ndjson"), "--workspace", "ws_x", "--batch-records", "0")).toMatchObject({
      code: 1,
      stderr: '--batch-records must be a whole number from 1 to 100000, not "0"\n',
    });
    expect(await cli("ingest", join(dataDir, "none.ndjson"), "--workspace", "ws_x")).toMatchObject({
      code: 1,
      stderr: `cannot read ${join(dataDir, "none.ndjson")}\n`,
    });
    const file = writeNdjson(join(dataDir, "nowhere.ndjson"), messageLines("nw", 2));
    expect(await cli("ingest", file, "--workspace", "ws_nope")).toMatchObject({ code: 1, stderr: 'Workspace "ws_nope" not found\n' });
  });
});
