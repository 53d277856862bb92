import { beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { openApp } from "../../src/app.ts";
import { parseEnv } from "../../src/config/env.ts";
import { runCli, tempDataDir } from "./run-cli.ts";

const dataDir = tempDataDir();
const cli = (...args: string[]) => runCli(dataDir, args);

// The CLI's printed results, as far as these tests read them.
const CreatedJson = z.object({ workspaceId: z.string(), apiKey: z.string() });
const KeyJson = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
/** Objects as printed: a record keeps every key, in order. */
const PrintedObjects = z.array(z.record(z.string(), z.unknown()));
let workspaceId: string;
let adminKey: string;

beforeAll(async () => {
  // The first command also creates and migrates the embedded database.
  const run = await cli("workspace", "create", "--name", "CLI Co", "--timezone", "Europe/Berlin", "--byok", "--no-user-level-data");
  expect(run.stderr).toBe("");
  ({ workspaceId, apiKey: adminKey } = CreatedJson.parse(run.json));
});

describe("usage-exports workspace create", () => {
  test("prints { workspaceId, apiKey } as the only line of stdout", async () => {
    expect(workspaceId).toMatch(/^ws_[0-9a-z]{12}$/);
    expect(adminKey).toMatch(/^ue_[0-9A-Za-z]{40}$/);
    const run = await cli("workspace", "create", "--name", "Second", "--first-weekday", "1");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${JSON.stringify(run.json)}\n`);
    expect(Object.keys(z.record(z.string(), z.unknown()).parse(run.json))).toEqual(["workspaceId", "apiKey"]);
  });

  test("bad flags exit 1 naming each flag, with nothing on stdout", async () => {
    const run = await cli("workspace", "create", "--timezone", "Mars/Base", "--first-weekday", "9");
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr).toBe(
      '--name is required; --first-weekday must be a whole number from 0 to 6, not "9"; --timezone "Mars/Base" is not a known IANA time zone\n',
    );
    const blank = await cli("workspace", "create", "--name", "  ");
    expect([blank.code, blank.stderr]).toEqual([1, "--name must not be empty\n"]);
  });

  test("an unknown flag is refused by name", async () => {
    const run = await cli("workspace", "create", "--name", "X", "--colour", "blue");
    expect([run.code, run.stdout, run.stderr]).toEqual([1, "", "error: unknown option '--colour'\n"]);
  });
});

describe("usage-exports demo", () => {
  test("seed (alias of demo) prints the new demo workspace's { workspaceId, apiKey }", async () => {
    const run = await cli("seed", "--days", "2", "--seed", "3");
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(run.json).toEqual({
      workspaceId: expect.stringMatching(/^ws_[0-9a-z]{12}$/),
      apiKey: expect.stringMatching(/^ue_[0-9A-Za-z]{40}$/),
    });
    const keys = await cli("keys", "list", "--workspace", CreatedJson.parse(run.json).workspaceId);
    expect(
      z
        .array(KeyJson)
        .parse(keys.json)
        .map((k) => k.role),
    ).toEqual(["admin"]);
  });

  test("bad numbers are refused by flag", async () => {
    const run = await cli("demo", "--days", "0", "--seed", "x");
    expect([run.code, run.stderr]).toEqual([
      1,
      '--seed must be a whole number from 0 to 4294967295, not "x"; --days must be a whole number from 1 to 365, not "0"\n',
    ]);
  });
});

describe("usage-exports keys", () => {
  test("create prints only { apiKey }; list shows it by prefix, without secrets; revoke marks it", async () => {
    const created = await cli("keys", "create", "--workspace", workspaceId, "--role", "ingest", "--name", "Pipeline");
    expect(created.code).toBe(0);
    const { apiKey } = z.object({ apiKey: z.string() }).parse(created.json);
    expect(created.json).toEqual({ apiKey: expect.stringMatching(/^ue_[0-9A-Za-z]{40}$/) });

    const listed = await cli("keys", "list", "--workspace", workspaceId);
    const keys = z.array(KeyJson).parse(listed.json);
    expect(keys.map((k) => [k.name, k.role, k.prefix, k.revokedAt])).toEqual([
      ["Initial admin key", "admin", adminKey.slice(0, 10), null],
      ["Pipeline", "ingest", apiKey.slice(0, 10), null],
    ]);
    expect(listed.stdout).not.toContain(apiKey);
    expect(PrintedObjects.parse(listed.json).map((k) => Object.keys(k))).toEqual([
      ["id", "name", "role", "prefix", "createdAt", "revokedAt"],
      ["id", "name", "role", "prefix", "createdAt", "revokedAt"],
    ]);

    const revoked = await cli("keys", "revoke", "--workspace", workspaceId, "--key", keys[1]!.id);
    expect(revoked.json).toEqual({ ...keys[1], revokedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  test("a wrong role, a missing flag, an unknown workspace or key: exit 1 with the message", async () => {
    const cases: [string[], string][] = [
      [["keys", "create", "--workspace", workspaceId, "--role", "owner"], '--role "owner" is not one of admin, export, ingest'],
      [["keys", "create", "--role", "admin"], "--workspace is required"],
      [["keys", "create", "--workspace", "ws_nope", "--role", "admin"], 'Workspace "ws_nope" not found'],
      [["keys", "list", "--workspace", "ws_nope"], 'Workspace "ws_nope" not found'],
      [["keys", "revoke", "--workspace", workspaceId], "--key is required"],
      [["keys", "revoke", "--workspace", workspaceId, "--key", "key_nope"], `API key "key_nope" not found in workspace "${workspaceId}"`],
    ];
    for (const [args, message] of cases) {
      const run = await cli(...args);
      expect([args.join(" "), run.code, run.stdout, run.stderr]).toEqual([args.join(" "), 1, "", `${message}\n`]);
    }
  });

  test("the launcher bin/usage-exports.js runs the same CLI from any directory", async () => {
    const run = await runCli(dataDir, ["keys", "list", "--workspace", workspaceId], { launcher: true });
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(z.array(KeyJson).parse(run.json)[0]!.prefix).toBe(adminKey.slice(0, 10));
    const bad = await runCli(dataDir, ["keys", "list"], { launcher: true });
    expect([bad.code, bad.stderr]).toEqual([1, "--workspace is required\n"]);
  });

  test("the workspace was stored with its time zone, BYOK and privacy flags", async () => {
    // Every CLI run above has exited, so this process may open the embedded database.
    const app = await openApp(parseEnv({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }));
    try {
      const ws = await app.db.prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
      expect([ws.name, ws.timezone, ws.byok, ws.userLevelData, ws.firstWeekday]).toEqual(["CLI Co", "Europe/Berlin", true, false, 0]);
    } finally {
      await app.close();
    }
  });
});
