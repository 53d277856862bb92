import { expect } from "vitest";

/** Expects `value` to be an instance of `type` (failing the test otherwise) and returns it typed as one. */
export function expectInstanceOf<T>(value: unknown, type: abstract new (...args: never[]) => T): T {
  expect(value).toBeInstanceOf(type);
  if (!(value instanceof type)) throw new Error("unreachable: toBeInstanceOf passed");
  return value;
}
