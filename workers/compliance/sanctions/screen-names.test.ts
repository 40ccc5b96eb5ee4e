import { describe, expect, it } from "vitest";
import { FIXTURE_FILES } from "./fixtures/fixture-files.ts";
import { parseOfacList } from "./ofac-list.ts";
import { SanctionsIndex } from "./sanctions-index.ts";
import { screenIndex, screenNames } from "./screen-names.ts";
import { syntheticEntries } from "./synthetic-list.ts";

const index = new SanctionsIndex([
  ...parseOfacList(FIXTURE_FILES.sdn).map((e) => ({ ...e, source: "sdn" as const })),
  ...parseOfacList(FIXTURE_FILES.consolidated).map((e) => ({ ...e, source: "consolidated" as const })),
]);
/** What one name matched: [source:ent_num, matched name, kind], best first. */
const hits = (name: string, threshold?: number) =>
  screenIndex(index, [name], { threshold }).map((m) => [`${m.entry.source}:${m.entry.entNum}`, m.matchedName, m.matchedKind]);

describe("screenNames against the fixture lists (threshold 0.90)", () => {
  it("matches an exact name", () => {
    expect(hits("ACME TRADING LLC")).toEqual([["sdn:90002", "ACME TRADING LLC", "primary"]]);
    expect(hits("Vostok Industrial Bank PJSC")).toEqual([["consolidated:80001", "VOSTOK INDUSTRIAL BANK PJSC", "primary"]]);
  });

  it("matches an alias, in either list", () => {
    expect(hits("Golden Crescent Marine")).toEqual([["sdn:90005", "GOLDEN CRESCENT MARINE", "alias"]]);
    expect(hits("Vostokbank")).toEqual([["consolidated:80001", "VOSTOKBANK", "alias"]]);
  });

  it("matches transliterated names: umlauts, accents", () => {
    for (const name of ["Hans Dieter Müller", "Hans Dieter Mueller", "Hans Dieter Muller"]) expect(hits(name)[0]?.[0], name).toBe("sdn:90001");
    expect(hits("José Luis Rodríguez García")).toEqual([["sdn:90010", "RODRIGUEZ GARCIA, Jose Luis", "primary"]]);
    expect(hits("Mohamed Ali Haddad")[0]?.[0]).toBe("sdn:90008");
  });

  it("matches reordered names", () => {
    expect(hits("John Doe")).toEqual([["sdn:90003", "DOE, John", "primary"]]);
    expect(hits("Doe John")).toEqual([["sdn:90003", "DOE, John", "primary"]]);
    expect(hits("Ivan Sergeyevich Petrov")[0]?.[0]).toBe("sdn:90004");
  });

  it("matches despite a different or missing legal form", () => {
    expect(hits("Acme Trading")[0]?.[0]).toBe("sdn:90002");
    expect(hits("ACME TRADING L.L.C.")[0]?.[0]).toBe("sdn:90002");
    expect(hits("Golden Crescent Shipping")[0]?.[0]).toBe("sdn:90005");
    expect(hits("Nordlicht Holding AG")[0]?.[0]).toBe("sdn:90009");
    expect(hits("Blue Lagoon Petrochemical Inc.")[0]?.[0]).toBe("consolidated:80003");
  });

  it("does not match similar but different names", () => {
    for (const name of [
      "Ivan Pavlov",
      "Jane Doe",
      "John Michael Doe",
      "Acme Holdings LLC",
      "Golden Crescent Bakery",
      "Nordlicht Logistik GmbH",
      "Kim Song Ho",
      "Hans Meyer",
      "Samira Tariq Bakr",
      "Sea Horizon Travel Agency",
    ]) {
      expect(hits(name), name).toEqual([]);
    }
  });

  it("reports each screened name and each entry once, with its best name and score, and honours the threshold", () => {
    const matches = screenIndex(index, ["Samir Tariq", "Tarek Samir", "Nobody Atall"]);
    expect(matches.map((m) => [m.input, m.entry.entNum, m.matchedName, Number(m.score.toFixed(3))])).toEqual([
      ["Samir Tariq", 80002, "TARIQ, Samir", 1],
      ["Tarek Samir", 80002, "TAREK, Samir", 1],
    ]);
    expect(hits("Jon Doe")).toHaveLength(1);
    expect(hits("Jon Doe", 0.99)).toEqual([]);
    expect(() => screenIndex(index, ["x"], { threshold: 0 })).toThrow(RangeError);
  });

  it("screens through the same entry point whether given an index or a database", async () => {
    expect((await screenNames(index, ["GCS Lines"])).map((m) => m.entry.entNum)).toEqual([90005]);
  });
});

describe("blocking on a list the size of OFAC's", () => {
  const big = new SanctionsIndex(syntheticEntries(20_000));
  const share = (name: string) => big.candidates([name.toLowerCase().split(/[ ,]+/)]).length / big.names.length;

  it("scores a small share of a 20,000-entry list for one name, and still finds the listed entry", () => {
    const person = big.names.find((n) => n.entry.type === "individual" && n.kind === "primary")!;
    const entity = big.names.find((n) => n.entry.type === null && n.kind === "alias")!;
    for (const target of [person, entity]) {
      expect(screenIndex(big, [target.name]).map((m) => m.entry.entNum), target.name).toContain(target.entry.entNum);
    }
    // Entities share sector words (TRADING, MARINE), so their names block wider than people's.
    expect(share(person.name)).toBeLessThan(0.05);
    expect(share(entity.name)).toBeLessThan(0.1);
  });
});
