// Run by test/reports/crash-loop.test.ts in a separate process, as a report worker that dies:
//   crash-child.ts <databaseUrl> <runId> <nowIso> <owner> <dataDir>
// Claims the run at <nowIso> and delivers it through SMTP_URL, but stops inside the
// send: prints {"attempt": n} then "delivering", and waits to be killed (SIGKILL).
// Prints {"attempt": null} and exits when the run can't be claimed.
import { join } from "node:path";
import { parseEnv } from "../../src/config/env.ts";
import { openDatabase } from "../../src/db/client.ts";
import { createLogger } from "../../src/runtime/logging.ts";
import { LocalDirectoryStore } from "../../src/storage/local-directory-store.ts";
import { deliverRun } from "../../src/reports/deliver-run.ts";
import { buildDeliverers, type Deliverers } from "../../src/reports/delivery/build-deliverer.ts";
import { claimNextRun } from "../../src/reports/runs/claim-run.ts";

const [url, runId, nowIso, owner, dataDir] = process.argv.slice(2);
if (!url || !runId || !nowIso || !owner || !dataDir)
  throw new Error("usage: crash-child.ts <databaseUrl> <runId> <nowIso> <owner> <dataDir>");
const now = new Date(nowIso);
const db = await openDatabase({ kind: "postgres", url });
const env = parseEnv({ DATA_DIR: dataDir, PUBLIC_BASE_URL: "http://exports.test", SMTP_URL: process.env.SMTP_URL });

const key = await db.prisma.reportRun.findFirstOrThrow({ where: { id: runId }, select: { workspaceId: true, id: true } });
const run = await claimNextRun(db, owner, now, { run: key });
process.stdout.write(`${JSON.stringify({ attempt: run?.attempts ?? null })}\n`);
if (!run) {
  await db.close();
} else {
  const real = buildDeliverers(env);
  // The zip is built and the send has begun: the process is killed here.
  const stalled: Deliverers = {
    ...real,
    email: real.email && {
      attachmentLimitBytes: real.email.attachmentLimitBytes,
      close: () => real.email!.close(),
      deliver: async (...args) => {
        process.stdout.write("delivering\n");
        await new Promise(() => setInterval(() => undefined, 60_000));
        return real.email!.deliver(...args);
      },
    },
  };
  const app = {
    db,
    env,
    log: createLogger("silent"),
    signingSecret: "test-signing-secret-0123456789",
    files: new LocalDirectoryStore(join(dataDir, "exports")),
    deliverers: stalled,
    now: () => now,
  };
  await deliverRun(app, run, owner);
  throw new Error("the delivery finished: it should have stalled until the process was killed");
}
