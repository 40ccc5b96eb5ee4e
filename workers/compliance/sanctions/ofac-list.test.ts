import { describe, expect, it } from "vitest";
import { CsvError } from "./csv.ts";
import { FIXTURE_FILES } from "./fixtures/fixture-files.ts";
import { parseOfacList } from "./ofac-list.ts";

const nulls = '"-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","-0- "';

describe("parseOfacList (OFAC's legacy CSV: sdn.csv, alt.csv, add.csv and the consolidated list's cons_*.csv)", () => {
  it("reads the SDN fixture: nulls, several programs, quoted remarks, aliases and addresses linked by ent_num", () => {
    const entries = parseOfacList(FIXTURE_FILES.sdn);
    expect(entries).toHaveLength(12);
    const acme = entries.find((e) => e.entNum === 90002)!;
    expect(acme).toMatchObject({ name: "ACME TRADING LLC", type: null, programs: ["IRAN", "IFSR"], title: null });
    expect(acme.remarks).toContain('a.k.a. "ACME" (in quotes, with a comma).');
    expect(acme.aliases).toEqual([{ altNum: 9102, type: "aka", name: "ACME GENERAL TRADING", remarks: null }]);
    expect(acme.addresses).toEqual([
      { addNum: 9202, address: "Office 1204, Harbour Tower, Al Maktoum Road", cityStatePostal: "Dubai", country: "United Arab Emirates", remarks: null },
    ]);
    const vessel = entries.find((e) => e.entNum === 90006)!;
    expect(vessel).toMatchObject({ name: "SEA HORIZON", type: "vessel", programs: ["IRGC"] });
    expect(entries.find((e) => e.entNum === 90004)!.title).toBe("Deputy Director");
  });

  it("reads the consolidated fixture in the same columns", () => {
    const entries = parseOfacList(FIXTURE_FILES.consolidated);
    expect(entries.map((e) => [e.entNum, e.name, e.aliases.length, e.addresses.length])).toEqual([
      [80001, "VOSTOK INDUSTRIAL BANK PJSC", 1, 1],
      [80002, "TARIQ, Samir", 1, 0],
      [80003, "BLUE LAGOON PETROCHEMICAL S.A.", 0, 1],
    ]);
  });

  it("treats -0- as null however OFAC pads it, and an absent alias or address file as empty", () => {
    const [entry] = parseOfacList({ primary: `7,"X CORP"," -0- ","-0-",${nulls},"-0-   "\r\n` });
    expect(entry).toEqual({ entNum: 7, name: "X CORP", type: null, programs: [], title: null, remarks: null, aliases: [], addresses: [] });
  });

  it("refuses a record with the wrong number of columns, a bad ent_num, a missing name or an orphan alias", () => {
    expect(() => parseOfacList({ primary: '7,"X CORP","-0- "\r\n' })).toThrow(new CsvError("primary file, record 1: 3 columns, expected 12"));
    expect(() => parseOfacList({ primary: `x7,"X CORP","-0- ","-0- ",${nulls},"-0- "\r\n` })).toThrow(/"x7" is not a record number/);
    expect(() => parseOfacList({ primary: `7,"-0- ","-0- ","-0- ",${nulls},"-0- "\r\n` })).toThrow(/SDN_Name is empty/);
    expect(() => parseOfacList({ primary: `7,"X CORP","-0- ","-0- ",${nulls},"-0- "\r\n`, aliases: '8,1,"aka","Y","-0- "\r\n' })).toThrow(
      /ent_num 8 has no entry in the primary file/,
    );
  });
});
