// Builds the analytics page (web/) into build/web: one minified ES module and
// one stylesheet under assets/ with content hashes in their names, and
// index.html naming them. Everything is bundled from node_modules: no CDN.
import { build } from "esbuild";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { replaceDir } from "./replace-dir.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

const { script, styles } = await replaceDir(`${root}build/web`, async (outDir) => {
  await mkdir(`${outDir}/assets`, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ["web/main.tsx"],
    bundle: true,
    minify: true,
    format: "esm",
    target: ["chrome111", "firefox115", "safari16.4"],
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: `${outDir}/assets`,
    entryNames: "[name]-[hash]",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const outputs = Object.entries(result.metafile.outputs);
  const find = (ext) => {
    const hit = outputs.find(([file]) => file.endsWith(ext));
    if (!hit) throw new Error(`build-web: no ${ext} output`);
    return { name: basename(hit[0]), bytes: hit[1].bytes };
  };
  const script = find(".js");
  const styles = find(".css");
  const html = (await readFile(`${root}web/index.html`, "utf8"))
    .replace("%SCRIPT%", `/assets/${script.name}`)
    .replace("%STYLES%", `/assets/${styles.name}`);
  await writeFile(`${outDir}/index.html`, html);
  return { script, styles };
});

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log(`build-web: ${script.name} ${kb(script.bytes)}, ${styles.name} ${kb(styles.bytes)} → build/web`);
