import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { recentUsageCli } from "./usage-fixture.ts";

// `export --format`: the same export as a Parquet file; anything but csv or parquet is refused.

const { dataDir, cli, seeded } = recentUsageCli();
let ws: string;
let from: string;
let to: string;
beforeAll(() => ({ workspaceId: ws, from, to } = seeded()));

const Exported = z.object({ filePath: z.string(), recordCount: z.number(), absolutePath: z.string(), output: z.string().optional() });

describe("usage-exports export --format", () => {
  test("parquet writes a Parquet file (PAR1 at both ends) with the CSV's row count; -o copies it", async () => {
    const csv = Exported.parse((await cli("export", "users", "--workspace", ws, "--from", from, "--to", to)).json);
    const out = `${dataDir}/users.parquet`;
    const run = await cli("export", "users", "--workspace", ws, "--from", from, "--to", to, "--format", "parquet", "-o", out);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    const parquet = Exported.parse(run.json);
    expect(parquet.filePath).toMatch(new RegExp(`^users-usage/${ws}/users-usage-${from}-${to}-[0-9a-f]{8}\\.parquet$`));
    expect(parquet.recordCount).toBe(csv.recordCount);
    const bytes = readFileSync(parquet.absolutePath);
    expect([bytes.subarray(0, 4).toString(), bytes.subarray(-4).toString()]).toEqual(["PAR1", "PAR1"]);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  });

  test("anything else is refused, naming the flag and the accepted values", async () => {
    const run = await cli("export", "users", "--workspace", ws, "--from", from, "--to", to, "--format", "json");
    expect([run.code, run.stdout, run.stderr]).toEqual([1, "", '--format "json" is not one of csv, parquet\n']);
  });
});
