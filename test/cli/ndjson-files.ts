import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { openApp } from "../../src/app.ts";
import { parseEnv } from "../../src/config/env.ts";
import { createWorkspace } from "../../src/workspaces/create-workspace.ts";
import { testDatabaseUrl } from "../helpers/database.ts";
import { CLI_ARGS } from "./run-cli.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A chat message record as one NDJSON line; ids are `${prefix}${i}`, one minute apart from 1 Oct 2026. */
export function messageLine(prefix: string, i: number, model = "gpt-4o-2024-08-06"): string {
  return JSON.stringify({
    type: "message",
    id: `${prefix}${i}`,
    occurredAt: new Date(Date.UTC(2026, 9, 1) + i * 60_000).toISOString(),
    userId: `u${i % 40}`,
    surface: "chat",
    model,
    provider: "openai",
    source: "WEB",
    promptTokens: 100 + (i % 7),
    completionTokens: 20,
    costUsd: "0.0015",
  });
}

export const messageLines = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => messageLine(prefix, i));

/** Writes lines as an NDJSON file (newline after each), gzip-compressed when asked. */
export function writeNdjson(path: string, lines: string[], opts: { gzip?: boolean } = {}): string {
  const text = `${lines.join("\n")}\n`;
  writeFileSync(path, opts.gzip ? gzipSync(text) : text);
  return path;
}

/**
 * The database the CLI runs on in these tests: embedded PGlite in `dataDir`, or
 * with DATABASE_URL a fresh PostgreSQL database of this test file's own.
 * Returns the extra environment for the CLI and a way to open the app here.
 */
export async function cliDatabase(dataDir: string) {
  const env: Record<string, string> = process.env.DATABASE_URL ? { DATABASE_URL: await testDatabaseUrl() } : {};
  const open = () => openApp(parseEnv({ DATA_DIR: dataDir, LOG_LEVEL: "silent", ...env }));
  /** Opens the app, runs `fn`, closes it again: the CLI needs the embedded database free. */
  async function withApp<T>(fn: (app: Awaited<ReturnType<typeof openApp>>) => Promise<T>): Promise<T> {
    const app = await open();
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  }
  return {
    env,
    withApp,
    newWorkspace: (name: string) => withApp(async (app) => (await createWorkspace(app.db, { name })).workspaceId),
    /** Usage records stored for the workspace, and the records the daily rollups count. */
    counts: (workspaceId: string) =>
      withApp(async (app) => {
        const stored = await app.db.prisma.usageRecord.count({ where: { workspaceId } });
        const rolledUp = await app.db.prisma.usageDaily.aggregate({ where: { workspaceId }, _sum: { records: true } });
        return { stored, rolledUp: rolledUp._sum.records ?? 0 };
      }),
  };
}

/** The CLI as a child process of its own, for tests that kill it. */
export function spawnCli(dataDir: string, args: string[], env: Record<string, string>): ChildProcess {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return spawn(process.execPath, [...CLI_ARGS, ...args], {
    cwd: ROOT,
    env: { ...inherited, ...env, DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
}
