// Builds into a folder beside `finalDir` and swaps it in, so a running server (or
// a parallel test run) never sees a half-written build.
import { mkdir, rename, rm } from "node:fs/promises";

export async function replaceDir(finalDir, write) {
  const outDir = `${finalDir}.tmp-${process.pid}`;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await write(outDir);
  const oldDir = `${finalDir}.old-${process.pid}`;
  await rename(finalDir, oldDir).catch(() => undefined);
  await rename(outDir, finalDir);
  await rm(oldDir, { recursive: true, force: true });
  return result;
}
