// Run by test/db/embedded-lock.test.ts in a separate process:
//   lock-child.ts <dataDir> try   → prints {"acquired": true|false} and exits
//   lock-child.ts <dataDir> hold  → takes the lock, prints "held", waits to be killed
import { acquireEmbeddedLock } from "../../src/db/embedded-lock.ts";

const [dataDir, mode] = process.argv.slice(2);
if (!dataDir) throw new Error("usage: lock-child.ts <dataDir> try|hold");
const lock = await acquireEmbeddedLock(dataDir);
if (mode === "hold") {
  if (!lock) throw new Error("could not take the lock");
  process.stdout.write("held\n");
  setInterval(() => undefined, 60_000);
} else {
  process.stdout.write(`${JSON.stringify({ acquired: lock !== null })}\n`);
  await lock?.release();
}
