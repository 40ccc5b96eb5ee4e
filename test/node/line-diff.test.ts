import { describe, expect, it } from "vitest";
import { lineDiff } from "../../console/src/line-diff.ts";

const ops = (before: string, after: string) => lineDiff(before, after).map((l) => `${{ same: " ", add: "+", del: "-" }[l.op]}${l.text}`);

describe("the console's line diff", () => {
  it("keeps common lines and marks a changed line as removed then added", () => {
    expect(ops("a\nb\nc", "a\nB\nc")).toEqual([" a", "-b", "+B", " c"]);
  });

  it("finds lines added and removed at either end", () => {
    expect(ops("x\na\nb", "a\nb\ny")).toEqual(["-x", " a", " b", "+y"]);
  });

  it("matches the longest run of common lines, not the first", () => {
    expect(ops("a\nb\nc\nd", "c\nd\na\nb").filter((l) => l.startsWith(" "))).toHaveLength(2);
  });

  it("of two equal texts, every line is the same", () => {
    expect(lineDiff("{\n}", "{\n}").every((l) => l.op === "same")).toBe(true);
  });
});
