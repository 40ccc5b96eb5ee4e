/**
 * OFAC's legacy delimited list files (dat_spec.txt): the SDN list as sdn.csv / alt.csv / add.csv and the
 * consolidated non-SDN list as cons_prim.csv / cons_alt.csv / cons_add.csv, in the same columns. Headerless;
 * "-0-" (OFAC pads it to "-0- ") is null; alternate names and addresses link to their entry by ent_num.
 */
import type { SANCTIONS_LIST_SOURCES } from "../../../shared/pg/schema.ts";
import { CsvError, parseCsv } from "./csv.ts";

export type SanctionsSource = (typeof SANCTIONS_LIST_SOURCES)[number];

/** The three files of one list, as text. Aliases and addresses may be absent (an empty file is the same). */
export interface OfacListFiles {
  primary: string;
  aliases?: string;
  addresses?: string;
}

/** File names per source, as OFAC publishes them. */
export const OFAC_FILE_NAMES: Record<SanctionsSource, Record<keyof OfacListFiles, string>> = {
  sdn: { primary: "sdn.csv", aliases: "alt.csv", addresses: "add.csv" },
  consolidated: { primary: "cons_prim.csv", aliases: "cons_alt.csv", addresses: "cons_add.csv" },
};

export interface SanctionsAlias {
  altNum: number;
  /** aka, fka, nka; "weak" akas are printed as `a.k.a.` in remarks, not here. */
  type: string | null;
  name: string;
  remarks: string | null;
}

export interface SanctionsAddress {
  addNum: number;
  address: string | null;
  /** City, state or province and postal code, in one column as OFAC gives them. */
  cityStatePostal: string | null;
  country: string | null;
  remarks: string | null;
}

export interface SanctionsEntry {
  entNum: number;
  name: string;
  /** individual, vessel, aircraft; null for an entity (OFAC leaves entities' type null). */
  type: string | null;
  programs: string[];
  title: string | null;
  remarks: string | null;
  aliases: SanctionsAlias[];
  addresses: SanctionsAddress[];
}

const SDN_COLUMNS = 12;
const ALT_COLUMNS = 5;
const ADD_COLUMNS = 6;

export function parseOfacList(files: OfacListFiles): SanctionsEntry[] {
  const entries = new Map<number, SanctionsEntry>();
  for (const [row, line] of rows(files.primary, SDN_COLUMNS, "primary")) {
    const entNum = integer(row[0], line, "primary");
    if (entries.has(entNum)) throw new CsvError(`primary file, line ${line}: ent_num ${entNum} appears twice`);
    entries.set(entNum, {
      entNum,
      name: required(row[1], line, "primary", "SDN_Name"),
      type: nullable(row[2]),
      programs: programs(row[3]),
      title: nullable(row[4]),
      remarks: nullable(row[11]),
      aliases: [],
      addresses: [],
    });
  }
  for (const [row, line] of rows(files.aliases ?? "", ALT_COLUMNS, "aliases")) {
    owner(entries, row, line, "aliases").aliases.push({
      altNum: integer(row[1], line, "aliases"),
      type: nullable(row[2]),
      name: required(row[3], line, "aliases", "alt_name"),
      remarks: nullable(row[4]),
    });
  }
  for (const [row, line] of rows(files.addresses ?? "", ADD_COLUMNS, "addresses")) {
    owner(entries, row, line, "addresses").addresses.push({
      addNum: integer(row[1], line, "addresses"),
      address: nullable(row[2]),
      cityStatePostal: nullable(row[3]),
      country: nullable(row[4]),
      remarks: nullable(row[5]),
    });
  }
  return [...entries.values()];
}

function* rows(text: string, columns: number, file: string): Generator<[string[], number]> {
  let line = 0;
  for (const row of parseCsv(text)) {
    line++;
    if (row.length !== columns) throw new CsvError(`${file} file, record ${line}: ${row.length} columns, expected ${columns}`);
    yield [row, line];
  }
}

function nullable(field: string | undefined): string | null {
  const value = (field ?? "").trim();
  return value === "" || value === "-0-" ? null : value;
}

function required(field: string | undefined, line: number, file: string, column: string): string {
  const value = nullable(field);
  if (value === null) throw new CsvError(`${file} file, record ${line}: ${column} is empty`);
  return value;
}

function integer(field: string | undefined, line: number, file: string): number {
  const value = (field ?? "").trim();
  if (!/^\d{1,10}$/.test(value)) throw new CsvError(`${file} file, record ${line}: "${value}" is not a record number`);
  return Number(value);
}

/** Several programs share the column as "SDGT] [IRGC": the brackets OFAC prints around each, minus the outer pair. */
function programs(field: string | undefined): string[] {
  const value = nullable(field);
  return value === null ? [] : value.split("] [").map((p) => p.replace(/^\[|\]$/g, "").trim()).filter((p) => p !== "");
}

function owner(entries: Map<number, SanctionsEntry>, row: string[], line: number, file: string): SanctionsEntry {
  const entNum = integer(row[0], line, file);
  const entry = entries.get(entNum);
  if (!entry) throw new CsvError(`${file} file, record ${line}: ent_num ${entNum} has no entry in the primary file`);
  return entry;
}
