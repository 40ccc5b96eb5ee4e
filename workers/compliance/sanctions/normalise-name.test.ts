import { describe, expect, it } from "vitest";
import { jaroWinkler, tokenSetScore } from "./jaro-winkler.ts";
import { normaliseName } from "./normalise-name.ts";

describe("normaliseName", () => {
  it("folds case, punctuation and diacritics (NFKD), and letters NFKD leaves alone", () => {
    expect(normaliseName("RODRÍGUEZ GARCÍA, José-Luis")).toEqual([["rodriguez", "garcia", "jose", "luis"]]);
    expect(normaliseName("Søren Łukasz Straße")).toEqual([["soren", "lukasz", "strasse"]]);
    expect(normaliseName("O'Brien")).toEqual([["obrien"]]);
  });

  it("keeps both spellings of a German umlaut", () => {
    expect(normaliseName("Müller")).toEqual([["muller"], ["mueller"]]);
  });

  it("drops legal forms at either end, dotted or not, but never the whole name", () => {
    expect(normaliseName("Golden Crescent Shipping Co. Ltd.")).toEqual([["golden", "crescent", "shipping"]]);
    expect(normaliseName("Blue Lagoon Petrochemical S.A.")).toEqual([["blue", "lagoon", "petrochemical"]]);
    expect(normaliseName("OOO Romashka")).toEqual([["romashka"]]);
    expect(normaliseName("Limited Co")).toEqual([["limited"]]);
  });

  it("yields nothing for a name with no letters or digits", () => {
    expect(normaliseName(" -- ")).toEqual([]);
  });
});

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

  it("compares words run together with the same words apart", () => {
    expect(tokenSetScore(["al", "noor", "exchange"], ["alnoor", "exchange"])).toBeGreaterThan(0.95);
  });
});
