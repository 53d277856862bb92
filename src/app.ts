import { randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Env } from "./config/env.ts";
import { isPrivate, makePrivate, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "./config/private-files.ts";
import { openDatabase } from "./db/client.ts";
import { acquireEmbeddedLock, readServerAdvert, type ServerAdvert } from "./db/embedded-lock.ts";
import { migrate } from "./db/migrate.ts";
import { buildDeliverers, closeDeliverers } from "./reports/delivery/build-deliverer.ts";
import type { AppContext } from "./runtime/context.ts";
import { sharedSecret } from "./db/service-secret.ts";
import { openFileStore } from "./storage/open-file-store.ts";
import { createLogger, type Logger } from "./runtime/logging.ts";

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

/** Where embedded PGlite keeps its cluster inside DATA_DIR. */
export const embeddedDatabaseDir = (dataDir: string) => join(dataDir, "pglite");

/**
 * Opens the database (migrating it), the export store, the signing secret and
 * the report deliverers (SMTP transport, Slack client), once for the process;
 * `close()` closes them all, after the caller has stopped what uses them (the
 * HTTP server, the jobs). With embedded PGlite only one process may do so:
 * others get EmbeddedDatabaseBusy.
 */
export async function openApp(env: Env): Promise<OpenedApp> {
  const log = createLogger(env.logLevel);
  await mkdir(env.dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const lock = env.databaseUrl ? null : await acquireEmbeddedLock(env.dataDir);
  if (!env.databaseUrl && !lock) throw new EmbeddedDatabaseBusy(await readServerAdvert(env.dataDir));
  await privateDataDir(env.dataDir, log);
  const db = await openDatabase(
    env.databaseUrl
      ? { kind: "postgres", url: env.databaseUrl, readUrl: env.databaseReadUrl }
      : { kind: "pglite", dir: embeddedDatabaseDir(env.dataDir) },
    (error) => log.warn({ err: error }, "database connection lost"),
  );
  const applied = await migrate(db);
  if (applied.length > 0) log.info({ applied }, "applied migrations");
  const pgliteDir = db.kind === "pglite" ? embeddedDatabaseDir(env.dataDir) : null;
  if (pgliteDir) await tighten(pgliteDir, log);
  const files = await openFileStore(env);
  // On PostgreSQL the database holds it, so every instance signs alike; embedded, DATA_DIR does.
  const signingSecret =
    env.downloadSigningSecret ?? (db.kind === "postgres" ? await sharedSecret(db, SIGNING_SECRET_NAME) : await localSecret(env.dataDir));
  const deliverers = buildDeliverers(env);
  return {
    db,
    env,
    log,
    files,
    signingSecret,
    deliverers,
    now: () => new Date(),
    async close() {
      closeDeliverers(deliverers);
      await db.close();
      // Again at rest: PGlite may have rewritten files (pg_internal.init, as 0644) while open.
      if (pgliteDir) await tighten(pgliteDir, log);
      await lock?.release();
    },
  };
}

const SIGNING_SECRET_NAME = "download-signing";

/** A per-installation secret kept in DATA_DIR, so links survive restarts without configuration. */
async function localSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, "signing-secret");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const secret = randomBytes(32).toString("hex");
    await writeFile(file, secret, { mode: PRIVATE_FILE_MODE, flag: "wx" }).catch(() => undefined);
    return (await readFile(file, "utf8")).trim();
  }
}

/** What the service keeps in DATA_DIR (database and lock, exports, secrets, server advert): all it ever tightens there. */
const OWN_ENTRIES = /^(pglite|exports|signing-secret|server\.json|demo\.json)/;

/**
 * Tightens a DATA_DIR an older version left open (folders 0755, database files
 * 0666), once: its own entries, then the folder itself, last, so an interrupted
 * pass is redone at the next start and a private folder means a done one.
 * Other files someone put there are not ours to change.
 */
async function privateDataDir(dataDir: string, log: Logger): Promise<void> {
  if (await isPrivate(dataDir)) return;
  const names = (await readdir(dataDir)).filter((name) => OWN_ENTRIES.test(name));
  const done = await Promise.all(names.map((name) => tighten(join(dataDir, name), log)));
  if (done.every(Boolean))
    await chmod(dataDir, PRIVATE_DIR_MODE).catch((error: unknown) => log.warn({ err: error, dataDir }, "could not make DATA_DIR private"));
}

/**
 * Makes a file or folder tree owner-only (PGlite sets its files' modes itself,
 * whatever the umask); a failure is logged, not thrown. True when all went well.
 */
async function tighten(path: string, log: Logger): Promise<boolean> {
  const failures = await makePrivate(path);
  if (failures.length > 0) log.warn({ path, failures: failures.length, err: failures[0] }, "could not make every file in DATA_DIR private");
  return failures.length === 0;
}
