import { describe, expect, it } from "vitest";
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
