import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { expect, test } from "vitest";

// The layering of src/: a folder may import from another only if that one does
// not import it back, directly or through other folders (a folder and its own
// subfolders count as different folders). And no source file is over 300 lines.
// src/generated (Prisma's output) is not ours and is left out.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = join(ROOT, "src");
const GENERATED = join(SRC, "generated");
const MAX_LINES = 300;

const rel = (path: string) => relative(ROOT, path).split("\\").join("/");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (path === GENERATED) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const files = sourceFiles(SRC);

/** Every relative import of a source file that lands in src/ (outside src/generated), as repository paths. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith("."))
    .map((spec) => resolve(dirname(file), spec))
    .filter((target) => target.startsWith(`${SRC}/`) && !target.startsWith(`${GENERATED}/`) && target !== GENERATED)
    .map(rel);
}

const folderOf = (path: string) =>
  existsSync(join(ROOT, path)) && statSync(join(ROOT, path)).isDirectory() ? path : rel(dirname(join(ROOT, path)));

/** folder → folder → the imports (`file → file`) that make the edge. */
const edges = new Map<string, Map<string, string[]>>();
for (const file of files) {
  const from = folderOf(rel(file));
  for (const target of importsOf(file)) {
    const to = folderOf(target);
    if (to === from) continue;
    const out = edges.get(from) ?? new Map<string, string[]>();
    edges.set(from, out);
    out.set(to, [...(out.get(to) ?? []), `${rel(file)} → ${target}`]);
  }
}

/** Strongly connected components with more than one folder (Tarjan). */
function cycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

test("no folder of src/ imports from a folder that imports it back", () => {
  const offenders = cycles().map((component) => {
    const inside = component.flatMap((from) =>
      [...(edges.get(from) ?? [])].filter(([to]) => component.includes(to)).flatMap(([, imports]) => imports),
    );
    return `cycle between ${component.join(", ")}:\n  ${inside.join("\n  ")}`;
  });
  expect(offenders, offenders.join("\n\n")).toEqual([]);
});

test(`no source file in src/ is over ${MAX_LINES} lines`, () => {
  const offenders = files
    .map((file) => {
      const text = readFileSync(file, "utf8");
      return { file: rel(file), lines: text.split("\n").length - (text.endsWith("\n") ? 1 : 0) };
    })
    .filter((f) => f.lines > MAX_LINES)
    .map((f) => `${f.file}: ${f.lines} lines`);
  expect(offenders, offenders.join("\n")).toEqual([]);
});
