// Compiles the service (src/main.ts) and the stand-alone scheduler into
// build/server: one ES module each, packages left in node_modules. `npm start`
// runs this build: under tsx the process idles at ~210 MB, compiled at ~135 MB,
// and the export memory target (BENCHMARKS.md) is measured on what users run.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { replaceDir } from "./replace-dir.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

const started = performance.now();
await replaceDir(`${root}build/server`, (outDir) =>
  build({
    absWorkingDir: root,
    entryPoints: ["src/main.ts", "src/scheduler.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    logLevel: "warning",
  }),
);
console.log(`build-server: src/main.ts, src/scheduler.ts → build/server (${Math.round(performance.now() - started)} ms)`);
