import "./heap-tuning.ts";
import { startJobs } from "./jobs/index.ts";
import { EmbeddedDatabaseBusy, openApp } from "./app.ts";
import { parseEnv } from "./config/env.ts";
import { usePrivateUmask } from "./config/private-files.ts";

/**
 * `npm run scheduler`: the scheduled jobs (report delivery, export clean-up)
 * without the HTTP service — for PostgreSQL deployments that run them apart.
 * `npm start` runs the same jobs itself; with the embedded database only one
 * of the two can hold it.
 */
usePrivateUmask();
const env = parseEnv();
const app = await openApp(env).catch((error: unknown) => {
  if (error instanceof EmbeddedDatabaseBusy) {
    console.error(`Cannot start the scheduler: ${error.message}. npm start already runs the jobs.`);
    process.exit(1);
  }
  throw error;
});
const stop = startJobs(app);
app.log.info("scheduler running: report delivery every minute, export clean-up hourly");
const shutdown = async () => {
  await stop();
  await app.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
