#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the installed command needs no build step.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
// Resolved from this file, not the working directory, so the command works from anywhere.
const tsx = import.meta.resolve("tsx");
const { status, signal, error } = spawnSync(process.execPath, ["--import", tsx, main, ...process.argv.slice(2)], {
  stdio: "inherit",
});
if (error) {
  console.error(error.message);
  process.exit(1);
}
process.exit(signal ? 1 : (status ?? 1));
