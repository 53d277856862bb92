import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { openApp, type OpenedApp } from "../../src/app.ts";
import { parseEnv } from "../../src/config/env.ts";
import { removeServerAdvert, writeServerAdvert } from "../../src/db/embedded-lock.ts";
import { isLoopback, LOCAL_CLI_PATH } from "../../src/http/routes/local-cli.ts";
import { startTestServer } from "../helpers/http.ts";
import { runCli, tempDataDir } from "./run-cli.ts";
import { seedRecentUsage } from "./usage-fixture.ts";

/**
 * This test process plays the running server: it holds the embedded database
 * and serves the real HTTP handler with /_local/cli, so every CLI run below
 * must forward its command here.
 */
const dataDir = tempDataDir();
const token = randomBytes(24).toString("hex");
const cli = (...args: string[]) => runCli(dataDir, args);
let app: OpenedApp;
let url: string;
let seeded: { workspaceId: string; from: string; to: string };

// At the top level: vitest never runs an afterAll registered inside a hook.
afterAll(async () => {
  await removeServerAdvert(dataDir);
  await app?.close();
});

beforeAll(async () => {
  app = await openApp(parseEnv({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }));
  seeded = await seedRecentUsage(app.db);
  url = await startTestServer(app, { localCliToken: token });
  await writeServerAdvert(dataDir, { url, token, pid: process.pid });
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${LOCAL_CLI_PATH}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("the CLI while a server holds the embedded database", () => {
  test("a command runs in the server and prints its result", async () => {
    const run = await cli("workspace", "create", "--name", "Forwarded", "--timezone", "Asia/Tokyo");
    expect([run.code, run.stderr]).toEqual([0, ""]);
    const { workspaceId } = z.object({ workspaceId: z.string() }).parse(run.json);
    // Created by this process (the "server"), on its open database.
    const ws = await app.db.prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
    expect([ws.name, ws.timezone]).toEqual(["Forwarded", "Asia/Tokyo"]);
  });

  test("errors come back with the same message and exit code as when run locally", async () => {
    const missing = await cli("keys", "list", "--workspace", "ws_nope");
    expect([missing.code, missing.stdout, missing.stderr]).toEqual([1, "", 'Workspace "ws_nope" not found\n']);
    const badRole = await cli("keys", "create", "--workspace", seeded.workspaceId, "--role", "root");
    expect([badRole.code, badRole.stderr]).toEqual([1, '--role "root" is not one of admin, export, ingest\n']);
  });

  test("an export with -o is written by the server and copied by the CLI", async () => {
    const out = join(dataDir, "forwarded.csv");
    const { workspaceId, from, to } = seeded;
    const run = await cli("export", "users", "--workspace", workspaceId, "--from", from, "--to", to, "-o", out);
    expect(run.code).toBe(0);
    const result = z.object({ recordCount: z.number(), absolutePath: z.string(), output: z.string() }).parse(run.json);
    expect([result.recordCount, result.output]).toEqual([2, out]);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(result.absolutePath, "utf8"));
  });
});

describe(`POST ${LOCAL_CLI_PATH}`, () => {
  test("answers NDJSON: progress lines, then the result", async () => {
    const { workspaceId, from, to } = seeded;
    const res = await post({ command: "export", args: { dataType: "users", workspace: workspaceId, from, to } });
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "application/x-ndjson; charset=utf-8"]);
    const lines = (await res.text())
      .trimEnd()
      .split("\n")
      .map((l): unknown => JSON.parse(l));
    expect(lines[0]).toEqual({ progress: { done: 0, total: 2 } });
    expect(lines[lines.length - 2]).toEqual({ progress: { done: 2, total: 2 } });
    expect(lines[lines.length - 1]).toMatchObject({ result: { dataType: "users", recordCount: 2 } });
  });

  test("the demo command streams its progress, then the new workspace", async () => {
    const res = await post({ command: "demo", args: { days: 2, seed: 3 } });
    const lines = (await res.text())
      .trimEnd()
      .split("\n")
      .map((l): unknown => JSON.parse(l));
    const total = z.object({ progress: z.object({ total: z.number() }) }).parse(lines[0]).progress.total;
    expect(lines[0]).toEqual({ progress: { done: 0, total } });
    expect(lines[lines.length - 2]).toEqual({ progress: { done: total, total } });
    // A record keeps the keys in their printed order.
    expect(Object.keys(z.object({ result: z.record(z.string(), z.unknown()) }).parse(lines[lines.length - 1]).result)).toEqual([
      "workspaceId",
      "apiKey",
    ]);
  });

  test("a failing command ends the stream with its error message", async () => {
    const res = await post({ command: "keys list", args: { workspace: "ws_nope" } });
    expect([res.status, await res.text()]).toEqual([200, '{"error":"Workspace \\"ws_nope\\" not found"}\n']);
  });

  test("refuses a wrong token, a browser origin, other methods and unknown commands", async () => {
    const refused = async (res: Response) => [res.status, z.object({ message: z.string() }).parse(await res.json()).message];
    expect(await refused(await post({ command: "keys list", args: {} }, { authorization: "Bearer nope" }))).toEqual([
      403,
      "Wrong or missing local CLI token",
    ]);
    expect(await refused(await post({ command: "keys list", args: {} }, { origin: "http://evil.example" }))).toEqual([
      403,
      "Browser-origin requests are refused",
    ]);
    expect(await refused(await fetch(`${url}${LOCAL_CLI_PATH}`))).toEqual([405, "Use POST"]);
    expect(await refused(await post({ command: "rm -rf", args: {} }))).toEqual([
      400,
      "command must be one of workspace create, keys create, keys list, keys revoke, export, timeseries, demo, reports create, reports list, reports history, reports run-due, models renormalize, ingest batch",
    ]);
    expect(await refused(await post({ command: "keys list", args: [] }))).toEqual([400, "args must be an object"]);
    expect((await refused(await post("{nope")))[0]).toBe(400);
  });

  test("only loopback addresses count as local", () => {
    expect(["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.8.9.10"].map(isLoopback)).toEqual([true, true, true, true]);
    expect(["10.0.0.5", "::ffff:192.168.1.2", "fe80::1", undefined].map(isLoopback)).toEqual([false, false, false, false]);
  });
});
