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

/**
 * What the apps of this test file leave behind, cleaned up after its last test.
 * Registered once, when the file imports this module: a hook registered by a
 * call inside a test never runs (the suite's hooks were collected before it), and
 * every app a test made left its data folder in the temporary directory.
 */
const leftovers: { dataDir: string; deliverers: ReturnType<typeof buildDeliverers> }[] = [];
afterAll(() => {
  for (const { dataDir, deliverers } of leftovers.splice(0)) {
    closeDeliverers(deliverers);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** An AppContext over a test database, with its own export store, its env's deliverers and a fixed clock. */
export function testApp(db: Database, opts: { now?: Date; env?: Record<string, string> } = {}): TestApp {
  const dataDir = mkdtempSync(join(tmpdir(), "ue-test-"));
  const env = parseEnv({ DATA_DIR: dataDir, PUBLIC_BASE_URL: "http://exports.test", ...opts.env });
  const now = opts.now;
  const deliverers = buildDeliverers(env);
  leftovers.push({ dataDir, deliverers });
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
