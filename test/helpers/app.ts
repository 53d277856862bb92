import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { parseEnv } from "../../src/config/env.ts";
import type { AppContext } from "../../src/context.ts";
import type { Database } from "../../src/db/client.ts";
import { createLogger } from "../../src/logging.ts";

/** An AppContext over a test database, with its own export store and a fixed clock. */
export function testApp(db: Database, opts: { now?: Date; env?: Record<string, string> } = {}): AppContext {
  const dataDir = mkdtempSync(join(tmpdir(), "ue-test-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = parseEnv({ DATA_DIR: dataDir, PUBLIC_BASE_URL: "http://exports.test", ...opts.env });
  const now = opts.now;
  return {
    db,
    env,
    log: createLogger("silent"),
    signingSecret: "test-signing-secret-0123456789",
    exportDir: join(dataDir, "exports"),
    now: () => now ?? new Date(),
  };
}
