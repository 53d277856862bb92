import { describe, expect, it } from "vitest";
import { MAX_LISTED_PROBLEMS, ProblemList } from "../../src/ingest/problems.ts";

const label = (i: number) => `record ${i + 1}`;

describe("ProblemList", () => {
  it("lists the first 100 problems by index and counts the rest exactly", () => {
    const list = new ProblemList();
    for (let i = 0; i < 1_000; i += 2) list.add(i, "bad");
    // A later pass finds problems among the records already passed.
    list.add(1, "late");
    list.add(997, "late");
    const error = list.refusal(label);
    expect(error.problems).toHaveLength(MAX_LISTED_PROBLEMS);
    expect(error.problems.slice(0, 3)).toEqual(["record 1: bad", "record 2: late", "record 3: bad"]);
    expect(error.problems.at(-1)).toBe("record 197: bad");
    expect(error.moreProblems).toBe(502 - MAX_LISTED_PROBLEMS);
    expect(error.message).toMatch(/; record 197: bad; and 402 more problems \(only the first 100 are listed\)$/);
  });

  it("wants a reason only for a problem it would list", () => {
    const list = new ProblemList();
    for (let i = 0; i < MAX_LISTED_PROBLEMS; i++) list.add(i * 10, "bad");
    expect(list.wants(5)).toBe(true);
    expect(list.wants(990)).toBe(false);
    list.add(2_000, "");
    expect(list.size).toBe(MAX_LISTED_PROBLEMS + 1);
  });

  it("says nothing more when every problem is listed", () => {
    const list = new ProblemList();
    list.add(0, "bad");
    const error = list.refusal(label);
    expect(error.message).toBe("record 1: bad");
    expect(error.moreProblems).toBe(0);
    expect(error.status).toBe(400);
  });

  it("names a single unlisted problem in the singular", () => {
    const list = new ProblemList();
    for (let i = 0; i <= MAX_LISTED_PROBLEMS; i++) list.add(i, "bad");
    expect(list.refusal(label).message).toMatch(/; and 1 more problem \(only the first 100 are listed\)$/);
  });
});
