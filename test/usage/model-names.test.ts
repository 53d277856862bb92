import { expect, test } from "vitest";
import { normalizeModelName } from "../../src/usage/model-names.ts";

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
