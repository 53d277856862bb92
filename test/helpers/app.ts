import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { parseEnv } from "../../src/config/env.ts";
import type { AppContext } from "../../src/runtime/context.ts";
import type { Database } from "../../src/db/client.ts";
import { buildDeliverers, closeDeliverers } from "../../src/reports/delivery/build-deliverer.ts";
import { createLogger } from "../../src/runtime/logging.ts";
import { LocalDirectoryStore } from "../../src/storage/local-directory-store.ts";

/** An AppContext whose file store is a local directory, `exportDir`, which tests may read directly. */
export type TestApp = AppContext & { exportDir: string };

/** An AppContext over a test database, with its own export store, its env's deliverers and a fixed clock. */
export function testApp(db: Database, opts: { now?: Date; env?: Record<string, string> } = {}): TestApp {
  const dataDir = mkdtempSync(join(tmpdir(), "ue-test-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = parseEnv({ DATA_DIR: dataDir, PUBLIC_BASE_URL: "http://exports.test", ...opts.env });
  const now = opts.now;
  const deliverers = buildDeliverers(env);
  afterAll(() => closeDeliverers(deliverers));
  const exportDir = join(dataDir, "exports");
  return {
    db,
    env,
    log: createLogger("silent"),
    signingSecret: "test-signing-secret-0123456789",
    files: new LocalDirectoryStore(exportDir),
    exportDir,
    deliverers,
    now: () => now ?? new Date(),
  };
}
