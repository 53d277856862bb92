import type { Env } from "../config/env.ts";
import type { Database } from "../db/client.ts";
import type { Deliverers } from "../reports/delivery/build-deliverer.ts";
import type { FileStore } from "../storage/file-store.ts";
import type { Logger } from "./logging.ts";

/** What every entry point (HTTP server, CLI, scheduler, tests) hands to the services. */
export interface AppContext {
  db: Database;
  env: Env;
  log: Logger;
  /** Secret for signed download links. */
  signingSecret: string;
  /** Where export files and report zips live (src/storage): every read and write of them goes through it. */
  files: FileStore;
  /**
   * The report channels (SMTP transport, Slack client), built once when the app
   * opens (src/app.ts) and closed with it: every delivery of the process, scheduled,
   * test send or CLI, goes through these.
   */
  deliverers: Deliverers;
  /** Clock, replaceable in tests. */
  now(): Date;
}
