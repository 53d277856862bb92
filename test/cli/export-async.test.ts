import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { recentUsageCli } from "./usage-fixture.ts";

// `export --async [--wait]`: a job's id, or (waiting) its outcome, whose file is the synchronous export's.

const { dataDir, cli, seeded } = recentUsageCli();
let ws: string;
let from: string;
let to: string;
beforeAll(() => ({ workspaceId: ws, from, to } = seeded()));

const Exported = z.object({ filePath: z.string(), recordCount: z.number(), absolutePath: z.string() });
const Accepted = z.object({ jobId: z.string(), status: z.literal("queued"), statusUrl: z.string() });
const Waited = z.object({
  jobId: z.string(),
  status: z.literal("succeeded"),
  progress: z.object({ rowsWritten: z.number() }),
  result: z.object({ filePath: z.string(), recordCount: z.number() }),
  error: z.null(),
});

describe("usage-exports export --async", () => {
  test("prints the job's id; with --wait its outcome, a file with the synchronous export's bytes", async () => {
    const queued = await cli("export", "users", "--workspace", ws, "--from", from, "--to", to, "--async");
    expect([queued.code, queued.stderr]).toEqual([0, ""]);
    const accepted = Accepted.parse(queued.json);
    expect(accepted.statusUrl).toBe(`/export/jobs/${accepted.jobId}`);

    const run = await cli("export", "users", "--workspace", ws, "--from", from, "--to", to, "--async", "--wait");
    expect([run.code, run.stderr]).toEqual([0, ""]);
    const job = Waited.parse(run.json);
    const sync = Exported.parse((await cli("export", "users", "--workspace", ws, "--from", from, "--to", to)).json);
    expect([job.result.recordCount, job.progress.rowsWritten]).toEqual([sync.recordCount, sync.recordCount]);
    expect(readFileSync(join(dataDir, "exports", job.result.filePath)).equals(readFileSync(sync.absolutePath))).toBe(true);
  });

  test("--wait without --async, and -o with --async, are refused", async () => {
    const wait = await cli("export", "users", "--workspace", ws, "--from", from, "--to", to, "--wait");
    expect([wait.code, wait.stderr]).toEqual([1, "--wait needs --async\n"]);
    const out = await cli("export", "users", "--workspace", ws, "--from", from, "--to", to, "--async", "-o", `${dataDir}/x.csv`);
    expect([out.code, out.stderr]).toEqual([1, "-o needs a synchronous export: download the job's file from its result\n"]);
  });
});
