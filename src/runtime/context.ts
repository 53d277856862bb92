import type { Env } from "../config/env.ts";
import type { Database } from "../db/client.ts";
import type { Deliverers } from "../reports/delivery/build-deliverer.ts";
import type { Logger } from "./logging.ts";

/** What every entry point (HTTP server, CLI, scheduler, tests) hands to the services. */
export interface AppContext {
  db: Database;
  env: Env;
  log: Logger;
  /** Secret for signed download links. */
  signingSecret: string;
  /** Where rendered export files live: `${dataDir}/exports`. */
  exportDir: string;
  /**
   * The report channels (SMTP transport, Slack client), built once when the app
   * opens (src/app.ts) and closed with it: every delivery of the process, scheduled,
   * test send or CLI, goes through these.
   */
  deliverers: Deliverers;
  /** Clock, replaceable in tests. */
  now(): Date;
}
