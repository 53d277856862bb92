import { readFileSync } from "node:fs";
import { z } from "zod";
import { projectPath } from "../../config/project-root.ts";

/** The shape of config/model-names.json (extra keys such as `example` are documentation). */
const RulesFile = z.object({
  aliases: z.record(z.string(), z.string()).default({}),
  rules: z.array(z.object({ pattern: z.string(), replace: z.string() })).default([]),
});

interface Rules {
  aliases: Map<string, string>;
  rules: { pattern: RegExp; replace: string }[];
}

const DEFAULT_FILE = projectPath("config", "model-names.json");

let loaded: Rules | null = null;

/** Reads the rules file, failing with the file's name so a bad MODEL_NAMES_FILE is easy to fix. */
function loadRules(file: string): Rules {
  try {
    const parsed = RulesFile.parse(JSON.parse(readFileSync(file, "utf8")));
    return {
      aliases: new Map(Object.entries(parsed.aliases)),
      rules: parsed.rules.map((r) => ({ pattern: new RegExp(r.pattern), replace: r.replace })),
    };
  } catch (error) {
    throw new Error(`Cannot load model-name rules from ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Reads the rules file again (MODEL_NAMES_FILE as set now), for `models
 * renormalize` after a rule change: this process then normalizes new records
 * with the new rules too. Throws, keeping the rules in use, when the file is bad.
 */
export function reloadModelNameRules(): void {
  loaded = loadRules(process.env.MODEL_NAMES_FILE || DEFAULT_FILE);
  normalized.clear();
}

/**
 * Names already normalized: a workspace uses a few dozen raw names, and running
 * every rule's regex for each of a backfill's records was a visible share of
 * ingestion CPU. Bounded: past the limit it starts over.
 */
const normalized = new Map<string, string>();
const MAX_REMEMBERED = 10_000;

/**
 * `gpt-4o-2024-08-06` → `gpt-4o`: dated snapshots count under their model family.
 * The rules are data (MODEL_NAMES_FILE, default config/model-names.json), read once.
 */
export function normalizeModelName(raw: string): string {
  const known = normalized.get(raw);
  if (known !== undefined) return known;
  loaded ??= loadRules(process.env.MODEL_NAMES_FILE || DEFAULT_FILE);
  const name = loaded.aliases.get(raw) ?? loaded.rules.reduce((n, r) => n.replace(r.pattern, r.replace), raw);
  if (normalized.size >= MAX_REMEMBERED) normalized.clear();
  normalized.set(raw, name);
  return name;
}
