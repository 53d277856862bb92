import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository root: the nearest folder above this module holding package.json.
 * Found, not fixed as "../..", because the same code runs from src/ (tsx) and
 * bundled into build/server/ (npm start), at different depths.
 */
const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A path under the repository root. */
export function projectPath(...parts: string[]): string {
  return join(PROJECT_ROOT, ...parts);
}

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
