import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { openApp } from "../../src/app.ts";
import type { AppContext } from "../../src/runtime/context.ts";
import { parseEnv } from "../../src/config/env.ts";
import type { ServerProcess } from "./server-process.ts";

/** Every file under a data folder's export store, relative to it. */
export function exportFiles(dataDir: string): string[] {
  const root = join(dataDir, "exports");
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name).slice(root.length + 1)],
    );
  try {
    return walk(root);
  } catch {
    return [];
  }
}

/** Reads the database with the server stopped (PGlite admits one process), through an app on the same data. */
export async function readStopped<T>(dataDir: string, env: Record<string, string>, read: (app: AppContext) => Promise<T>): Promise<T> {
  const app = await openApp(parseEnv({ DATA_DIR: dataDir, LOG_LEVEL: "silent", ...env }));
  try {
    return await read(app);
  } finally {
    await app.close();
  }
}

/** A usage message of `userId` on 2 November 2026. */
export const seedMessage = (id: string, userId: string) =>
  JSON.stringify({
    type: "message",
    id,
    occurredAt: "2026-11-02T10:00:00Z",
    userId,
    surface: "chat",
    model: "gpt-4o",
    provider: "openai",
    source: "WEB",
  });

/** `count` users named `${prefix}-user-i`, each with one message: a directory large enough that a users export takes a while to write. */
export async function seedUsers(server: ServerProcess, prefix: string, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => [
    JSON.stringify({
      type: "user",
      id: `${prefix}-user-${i}`,
      name: `User ${i}`,
      email: `u${i}@example.test`,
      role: "member",
      joinedAt: "2026-01-01T00:00:00Z",
    }),
    seedMessage(`${prefix}-seed-${i}`, `${prefix}-user-${i}`),
  ]).flat();
  const res = await fetch(`${server.base}/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.apiKey}`, "content-type": "application/x-ndjson" },
    body: lines.join("\n"),
  });
  expect([res.status, await res.json()]).toEqual([200, { accepted: 2 * count, duplicates: 0 }]);
}
