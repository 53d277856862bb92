import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, test, vi } from "vitest";
import { normalizeModelName } from "../../../src/usage/shared/model-names.ts";

test("dated snapshots normalize to their model family; other names stay as they are", () => {
  const cases: Record<string, string> = {
    "gpt-4o-2024-08-06": "gpt-4o",
    "gpt-4o-mini-2024-07-18": "gpt-4o-mini",
    "claude-3-5-sonnet-20241022": "claude-3-5-sonnet",
    "claude-sonnet-4-20250514": "claude-sonnet-4",
    "gemini-1.5-pro-002": "gemini-1.5-pro",
    "o1-2024-12-17": "o1",
    "gpt-4o": "gpt-4o",
    "mistral-large": "mistral-large",
  };
  expect(Object.fromEntries(Object.keys(cases).map((k) => [k, normalizeModelName(k)]))).toEqual(cases);
});

describe("normalizeModelName with the default rules", () => {
  it.each([
    ["claude-3-5-sonnet@20240620", "claude-3-5-sonnet"],
    ["gpt-4-0613", "gpt-4"],
    ["gpt-3.5-turbo-0125", "gpt-3.5-turbo"],
  ])("maps the dated snapshot %s to its family %s", (raw, family) => {
    expect(normalizeModelName(raw)).toBe(family);
  });

  it.each(["gpt-4o-mini", "claude-3-5-sonnet", "gemini-1.5-pro", "o1", "o3-mini", "llama-3.1-70b", "gpt-4-turbo"])(
    "leaves %s, a name without a date, unchanged",
    (name) => {
      expect(normalizeModelName(name)).toBe(name);
    },
  );
});

describe("normalizeModelName with MODEL_NAMES_FILE", () => {
  const dir = mkdtempSync(join(tmpdir(), "ue-model-names-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  /** A fresh copy of the module, so it loads the rules file named by the environment. */
  async function loadWith(rules: unknown) {
    const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(rules));
    vi.stubEnv("MODEL_NAMES_FILE", file);
    vi.resetModules();
    return { file, mod: await import("../../../src/usage/shared/model-names.ts") };
  }

  it("reads aliases and ordered rules from another file, without code changes", async () => {
    const { mod } = await loadWith({
      aliases: { "my-fine-tune": "gpt-4o" },
      rules: [
        { pattern: "^acme-(\\w+)-v\\d+$", replace: "acme-$1" },
        { pattern: "-preview$", replace: "" },
      ],
    });
    expect(mod.normalizeModelName("my-fine-tune")).toBe("gpt-4o");
    expect(mod.normalizeModelName("acme-writer-v3")).toBe("acme-writer");
    expect(mod.normalizeModelName("gpt-4.5-preview")).toBe("gpt-4.5");
    // Only the file's rules apply: the default date rule is not among them.
    expect(mod.normalizeModelName("gpt-4o-2024-08-06")).toBe("gpt-4o-2024-08-06");
  });

  it("names the file when its rules cannot be read", async () => {
    const { file, mod } = await loadWith({ rules: [{ pattern: "(", replace: "" }] });
    expect(() => mod.normalizeModelName("gpt-4o")).toThrow(`Cannot load model-name rules from ${file}`);
  });
});
