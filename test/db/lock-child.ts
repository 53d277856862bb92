// Run by test/db/embedded-lock.test.ts in a separate process:
//   lock-child.ts <dataDir> try   → prints {"acquired": true|false} and exits
//   lock-child.ts <dataDir> hold  → takes the lock, prints "held", waits to be killed
// LOCK_REFRESH_MS / LOCK_STALE_MS shorten the lock's timers (a lost lock ends the process with an error).
import { acquireEmbeddedLock, LOCK_TIMING } from "../../src/db/embedded-lock.ts";

const [dataDir, mode] = process.argv.slice(2);
if (!dataDir) throw new Error("usage: lock-child.ts <dataDir> try|hold");
const lock = await acquireEmbeddedLock(dataDir, {
  refreshEveryMs: Number(process.env.LOCK_REFRESH_MS ?? LOCK_TIMING.refreshEveryMs),
  staleAfterMs: Number(process.env.LOCK_STALE_MS ?? LOCK_TIMING.staleAfterMs),
});
if (mode === "hold") {
  if (!lock) throw new Error("could not take the lock");
  process.stdout.write("held\n");
  setInterval(() => undefined, 60_000);
} else {
  process.stdout.write(`${JSON.stringify({ acquired: lock !== null })}\n`);
  await lock?.release();
}
