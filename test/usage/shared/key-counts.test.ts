import { expect, test } from "vitest";
import { parseKeyCounts } from "../../../src/usage/shared/query-input.ts";

test("key counts are read in their order, and an empty or missing map is no entries", () => {
  expect(parseKeyCounts('[["gpt-4o",12],["claude \\"x\\"",3]]')).toEqual([
    { key: "gpt-4o", count: 12 },
    { key: 'claude "x"', count: 3 },
  ]);
  expect(parseKeyCounts("[]")).toEqual([]);
  expect(parseKeyCounts(null)).toEqual([]);
});

test("text that is not a list of [key, count] pairs is refused, naming what it found", () => {
  expect(() => parseKeyCounts('{"gpt-4o":12}')).toThrow('key counts: not a list: {"gpt-4o":12}');
  expect(() => parseKeyCounts('[["gpt-4o","12"]]')).toThrow('key counts: not a [key, count] pair: ["gpt-4o","12"]');
  expect(() => parseKeyCounts("[[null,1]]")).toThrow("key counts: not a [key, count] pair: [null,1]");
  expect(() => parseKeyCounts('[["a",1,2]]')).toThrow('key counts: not a [key, count] pair: ["a",1,2]');
  expect(() => parseKeyCounts("[7]")).toThrow("key counts: not a [key, count] pair: 7");
});
