import { describe, expect, it } from "vitest";
import { jaroWinkler, tokenSetScore } from "./jaro-winkler.ts";

describe("jaroWinkler and tokenSetScore", () => {
  it("give the textbook Jaro-Winkler figures", () => {
    expect(jaroWinkler("martha", "marhta")).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler("dwayne", "duane")).toBeCloseTo(0.84, 2);
    expect(jaroWinkler("dixon", "dicksonx")).toBeCloseTo(0.8133, 4);
    expect(jaroWinkler("abc", "xyz")).toBe(0);
    expect(jaroWinkler("", "")).toBe(1);
  });

  it("scores reordered tokens as the same name, and a missing word below it", () => {
    expect(tokenSetScore(["doe", "john"], ["john", "doe"])).toBe(1);
    expect(tokenSetScore(["john", "doe"], ["john", "michael", "doe"])).toBeLessThan(0.9);
  });

  it("does not let a long common start carry a different last word, as whole-string Jaro-Winkler does", () => {
    expect(jaroWinkler("kim song ho", "kim song il")).toBeGreaterThan(0.9);
    expect(tokenSetScore(["kim", "song", "ho"], ["kim", "song", "il"])).toBeLessThan(0.8);
  });

  it("compares words run together with the same words apart", () => {
    expect(tokenSetScore(["al", "noor", "exchange"], ["alnoor", "exchange"])).toBeGreaterThan(0.95);
  });
});
