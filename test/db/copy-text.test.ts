import { describe, expect, it } from "vitest";
import { CopyBytes, copyField } from "../../src/db/copy-text.ts";

describe("COPY text", () => {
  it("escapes backslash, tab, newline and carriage return, and writes null as \\N", () => {
    expect(copyField("a\\b\tc\nd\re")).toBe("a\\\\b\\tc\\nd\\re");
    expect(copyField("plain")).toBe("plain");
    expect(copyField(null)).toBe("\\N");
  });

  it("keeps every byte of rows pushed past its first size, multi-byte characters included", () => {
    const rows = Array.from({ length: 500 }, (_, i) => `${i}\t${"é€😀".repeat(i % 7)}\t${copyField(`x\ty${i}`)}\n`);
    const text = new CopyBytes(10);
    for (const row of rows) text.push(row);
    expect(text.bytes().equals(Buffer.from(rows.join(""), "utf8"))).toBe(true);
  });
});
