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

/**
 * Cycles older than this test, each cut at one folder-to-folder import so that
 * any other cycle still fails. Delete an entry once its cycle is gone (a stale
 * entry fails the last test below).
 */
const KNOWN_BACK_EDGES: { from: string; to: string }[] = [
  // routes/* use body.ts, respond.ts, cookies.ts, rate-limit.ts; server.ts imports routes/*.
  { from: "src/http/routes", to: "src/http" },
  // schema/exports.ts takes the export rate limit from http/rate-limit.ts; http/server.ts serves the schema.
  { from: "src/schema", to: "src/http" },
  // runs/plan-runs.ts reads schedule.ts; deliver-run.ts, process-due-runs.ts, subscriptions.ts use runs/*.
  { from: "src/reports/runs", to: "src/reports" },
  // create-workspace.ts makes the first key with auth/access-keys.ts, which reads workspaces/workspace-row.ts.
  { from: "src/workspaces", to: "src/auth" },
];

/**
 * Files in src/ itself imported from its subfolders, while src/'s entry points
 * (main.ts, app.ts, scheduler.ts) import those subfolders: a cycle through the
 * root folder, left until these files move into a folder of their own.
 */
const KNOWN_ROOT_FILES_IMPORTED_FROM_BELOW = ["src/context.ts", "src/logging.ts", "src/project-root.ts"];

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
    .filter((target) => target.startsWith(SRC + "/") && !target.startsWith(GENERATED + "/") && target !== GENERATED)
    .map(rel);
}

const folderOf = (path: string) => (existsSync(join(ROOT, path)) && statSync(join(ROOT, path)).isDirectory() ? path : rel(dirname(join(ROOT, path))));

/** folder → folder → the imports (`file → file`) that make the edge. */
const edges = new Map<string, Map<string, string[]>>();
for (const file of files) {
  const from = folderOf(rel(file));
  for (const target of importsOf(file)) {
    const to = folderOf(target);
    if (to === from) continue;
    if (KNOWN_ROOT_FILES_IMPORTED_FROM_BELOW.includes(target)) continue;
    if (KNOWN_BACK_EDGES.some((e) => e.from === from && e.to === to)) continue;
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

function reaches(from: string, to: string): boolean {
  const seen = new Set([from]);
  const queue = [from];
  for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
    if (v === to) return true;
    for (const w of edges.get(v)?.keys() ?? []) if (!seen.has(w)) (seen.add(w), queue.push(w));
  }
  return false;
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

test("every known cycle listed above still exists (delete the entries of fixed ones)", () => {
  const importsFromBelow = new Set(
    files.filter((file) => folderOf(rel(file)) !== "src").flatMap((file) => importsOf(file)),
  );
  const stale = [
    ...KNOWN_BACK_EDGES.filter(
      (e) => !files.some((f) => folderOf(rel(f)) === e.from && importsOf(f).some((t) => folderOf(t) === e.to)) || !reaches(e.to, e.from),
    ).map((e) => `${e.from} → ${e.to}`),
    ...KNOWN_ROOT_FILES_IMPORTED_FROM_BELOW.filter((file) => !importsFromBelow.has(file)),
  ];
  expect(stale, `no longer cyclic: ${stale.join(", ")}`).toEqual([]);
});
