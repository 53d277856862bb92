import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Env } from "./config/env.ts";
import type { AppContext } from "./context.ts";
import { openDatabase } from "./db/client.ts";
import { acquireEmbeddedLock, readServerAdvert, type ServerAdvert } from "./db/embedded-lock.ts";
import { migrate } from "./db/migrate.ts";
import { createLogger } from "./logging.ts";

export interface OpenedApp extends AppContext {
  close(): Promise<void>;
}

/** The embedded database is open in another process (a server, or another CLI). */
export class EmbeddedDatabaseBusy extends Error {
  constructor(readonly advert: ServerAdvert | null) {
    super(
      advert
        ? `the embedded database is in use by the server at ${advert.url} (pid ${advert.pid})`
        : "the embedded database in DATA_DIR is in use by another process",
    );
  }
}

/**
 * Opens the database (migrating it), the export store and the signing secret.
 * With embedded PGlite only one process may do so: others get EmbeddedDatabaseBusy.
 */
export async function openApp(env: Env): Promise<OpenedApp> {
  const log = createLogger(env.logLevel);
  await mkdir(env.dataDir, { recursive: true });
  const lock = env.databaseUrl ? null : await acquireEmbeddedLock(env.dataDir);
  if (!env.databaseUrl && !lock) throw new EmbeddedDatabaseBusy(await readServerAdvert(env.dataDir));
  const db = await openDatabase(
    env.databaseUrl ? { kind: "postgres", url: env.databaseUrl } : { kind: "pglite", dir: join(env.dataDir, "pglite") },
  );
  const applied = await migrate(db);
  if (applied.length > 0) log.info({ applied }, "applied migrations");
  const exportDir = join(env.dataDir, "exports");
  await mkdir(exportDir, { recursive: true });
  return {
    db,
    env,
    log,
    exportDir,
    signingSecret: env.downloadSigningSecret ?? (await localSecret(env.dataDir)),
    now: () => new Date(),
    async close() {
      await db.close();
      await lock?.release();
    },
  };
}

/** A per-installation secret kept in DATA_DIR, so links survive restarts without configuration. */
async function localSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, "signing-secret");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const secret = randomBytes(32).toString("hex");
    await writeFile(file, secret, { mode: 0o600, flag: "wx" }).catch(() => undefined);
    return (await readFile(file, "utf8")).trim();
  }
}
