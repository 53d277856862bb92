// `npm run typecheck`: the service, the page (web/) and the benchmark (bench/)
// are three TypeScript projects; their checks run side by side (one core each
// while the other is free) and the command fails if any of them fails.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const projects = [[], ["-p", "web"], ["-p", "bench"]];

const codes = await Promise.all(
  projects.map(
    (args) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [tsc, "--noEmit", ...args], { stdio: "inherit" });
        child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      }),
  ),
);
process.exitCode = codes.some((code) => code !== 0) ? 1 : 0;
