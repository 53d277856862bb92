import { describe, expect, it } from "vitest";
import { isJson } from "../../src/ingest/json-syntax.ts";

/** What the checker must agree with. */
function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("isJson", () => {
  it.each([
    ['{"type":"user","id":"u1","n":[1,-2.5e+3,0,true,false,null,{}, []]}', true],
    [' \t\r\n"\\u00e9\\"\\\\\\/\\b\\f\\n\\r\\t" ', true],
    ["-0", true],
    ["[[[[[]]]]]", true],
    ['"\ud800"', true],
    ["", false],
    ["   ", false],
    ["x", false],
    ["{", false],
    ['{"a":', false],
    ['{"a" 1}', false],
    ["{a:1}", false],
    ["[1,]", false],
    ["[1 2]", false],
    ['{"a":1,}', false],
    ["01", false],
    ["1.", false],
    [".5", false],
    ["1e", false],
    ["+1", false],
    ['"\\x"', false],
    ['"\\u12G4"', false],
    ['"tab\there"', false],
    ["truex", false],
    ["nul", false],
    ["[1]]", false],
    ['{"a":1}}', false],
    ["\uFEFF{}", false],
    ["NaN", false],
  ])("agrees with JSON.parse on %j", (text, expected) => {
    expect(parses(text)).toBe(expected);
    expect(isJson(text)).toBe(expected);
  });

  it("agrees with JSON.parse on 50,000 random texts of JSON's characters", () => {
    const next = random(20261123);
    const pieces = [
      "{",
      "}",
      "[",
      "]",
      ",",
      ":",
      '"',
      "\\",
      "u",
      "0",
      "1",
      "9",
      "-",
      "+",
      ".",
      "e",
      "E",
      " ",
      "\n",
      "a",
      "true",
      "false",
      "null",
      '"k"',
      "\t",
      "\u0001",
      "é",
    ];
    for (let n = 0; n < 50_000; n++) {
      const length = 1 + Math.floor(next() * 12);
      let text = "";
      for (let k = 0; k < length; k++) text += pieces[Math.floor(next() * pieces.length)];
      expect(isJson(text), JSON.stringify(text)).toBe(parses(text));
    }
  });

  it("agrees on mutations of valid records", () => {
    const next = random(7);
    const base = JSON.stringify({
      type: "message",
      id: "m1",
      tokens: [1, 2.5, -3e-2],
      ok: true,
      none: null,
      nested: { s: 'a"b\\c\u00e9' },
    });
    for (let n = 0; n < 20_000; n++) {
      const at = Math.floor(next() * base.length);
      const text =
        next() < 0.5 ? base.slice(0, at) + base.slice(at + 1) : base.slice(0, at) + base[Math.floor(next() * base.length)] + base.slice(at);
      expect(isJson(text), JSON.stringify(text)).toBe(parses(text));
    }
  });

  it("scans deep nesting without overflowing the stack", () => {
    const deep = `${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`;
    expect(isJson(deep)).toBe(true);
    expect(isJson(deep.slice(1))).toBe(false);
  });
});
