/**
 * OFAC lists in Postgres: loading one list's files as a new version, and reading the newest version of each list
 * back as a screening index. The script `npm run sanctions:load` and the tests load through loadSanctionsList.
 */
import { desc, eq, inArray, sql } from "drizzle-orm";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { SANCTIONS_LIST_SOURCES, sanctionsAddresses, sanctionsAliases, sanctionsEntries, sanctionsListVersions } from "../../../shared/pg/schema.ts";
import { normaliseName } from "./normalise-name.ts";
import { parseOfacList, type OfacListFiles, type SanctionsSource } from "./ofac-list.ts";
import { SanctionsIndex, type IndexedEntry } from "./sanctions-index.ts";

export interface LoadedVersion {
  versionId: number;
  /** False when the files hash the same as the newest version of the list, which is returned instead. */
  created: boolean;
  entryCount: number;
  aliasCount: number;
  addressCount: number;
}

// Rows per INSERT: well under Postgres's 65,535 bind parameters for the widest table.
const BATCH_ROWS = 1000;

export async function loadSanctionsList(db: PgDatabase, source: SanctionsSource, files: OfacListFiles): Promise<LoadedVersion> {
  // Parsed before anything is written: a malformed file loads nothing.
  const entries = parseOfacList(files);
  const contentHash = await hashFiles(files);
  return db.transaction(async (tx) => {
    // Two loads of one list at once would both see the same newest version: they take turns.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`sanctions_list:${source}`}))`);
    const [newest] = await tx.select().from(sanctionsListVersions).where(eq(sanctionsListVersions.source, source)).orderBy(desc(sanctionsListVersions.id)).limit(1);
    if (newest?.contentHash === contentHash) {
      return { versionId: newest.id, created: false, entryCount: newest.entryCount, aliasCount: newest.aliasCount, addressCount: newest.addressCount };
    }
    const aliases = entries.flatMap((e) => e.aliases.map((a) => ({ entNum: e.entNum, ...a })));
    const addresses = entries.flatMap((e) => e.addresses.map((a) => ({ entNum: e.entNum, ...a })));
    const [version] = await tx
      .insert(sanctionsListVersions)
      .values({ source, contentHash, entryCount: entries.length, aliasCount: aliases.length, addressCount: addresses.length })
      .returning({ id: sanctionsListVersions.id });
    const versionId = version!.id;
    for (const batch of batches(entries)) {
      await tx.insert(sanctionsEntries).values(
        batch.map((e) => ({ versionId, entNum: e.entNum, name: e.name, type: e.type, programs: e.programs, title: e.title, remarks: e.remarks, normalizedNames: stored(e.name) })),
      );
    }
    for (const batch of batches(aliases)) {
      await tx.insert(sanctionsAliases).values(
        batch.map((a) => ({ versionId, entNum: a.entNum, altNum: a.altNum, type: a.type, name: a.name, remarks: a.remarks, normalizedNames: stored(a.name) })),
      );
    }
    for (const batch of batches(addresses)) {
      await tx.insert(sanctionsAddresses).values(batch.map((a) => ({ versionId, ...a })));
    }
    return { versionId, created: true, entryCount: entries.length, aliasCount: aliases.length, addressCount: addresses.length };
  });
}

/** The newest version of each list, as one index (a list never loaded contributes nothing). */
export async function readSanctionsIndex(db: PgDatabase): Promise<SanctionsIndex> {
  return readVersionsIndex(db, await newestVersions(db));
}

export interface ListVersion {
  id: number;
  source: SanctionsSource;
}

/** The newest version of each list that was ever loaded. */
export const newestVersions = (db: PgDatabase): Promise<ListVersion[]> =>
  db
    .selectDistinctOn([sanctionsListVersions.source], { id: sanctionsListVersions.id, source: sanctionsListVersions.source })
    .from(sanctionsListVersions)
    .where(inArray(sanctionsListVersions.source, [...SANCTIONS_LIST_SOURCES]))
    .orderBy(sanctionsListVersions.source, desc(sanctionsListVersions.id));

/** The given list versions as one index (rescreening reads the one version it screens against). */
export async function readVersionsIndex(db: PgDatabase, versions: readonly ListVersion[]): Promise<SanctionsIndex> {
  const index = new SanctionsIndex([]);
  for (const { id, source } of versions) {
    const [entryRows, aliasRows, addressRows] = await Promise.all([
      db.select().from(sanctionsEntries).where(eq(sanctionsEntries.versionId, id)).orderBy(sanctionsEntries.entNum),
      db.select().from(sanctionsAliases).where(eq(sanctionsAliases.versionId, id)).orderBy(sanctionsAliases.entNum, sanctionsAliases.altNum),
      db.select().from(sanctionsAddresses).where(eq(sanctionsAddresses.versionId, id)).orderBy(sanctionsAddresses.entNum, sanctionsAddresses.addNum),
    ]);
    const entries = new Map<number, { entry: IndexedEntry; spellings: string[][]; aliasSpellings: string[][][] }>();
    for (const row of entryRows) {
      const entry: IndexedEntry = { source, entNum: row.entNum, name: row.name, type: row.type, programs: row.programs, title: row.title, remarks: row.remarks, aliases: [], addresses: [] };
      entries.set(row.entNum, { entry, spellings: tokensOf(row.normalizedNames), aliasSpellings: [] });
    }
    for (const row of aliasRows) {
      const owner = entries.get(row.entNum)!;
      owner.entry.aliases.push({ altNum: row.altNum, type: row.type, name: row.name, remarks: row.remarks });
      owner.aliasSpellings.push(tokensOf(row.normalizedNames));
    }
    for (const row of addressRows) {
      entries.get(row.entNum)!.entry.addresses.push({ addNum: row.addNum, address: row.address, cityStatePostal: row.cityStatePostal, country: row.country, remarks: row.remarks });
    }
    // Spellings as stored at load time, so a screen does not normalise the whole list again.
    for (const { entry, spellings, aliasSpellings } of entries.values()) {
      index.add({ entry, name: entry.name, kind: "primary", spellings });
      entry.aliases.forEach((alias, i) => index.add({ entry, name: alias.name, kind: "alias", spellings: aliasSpellings[i]! }));
    }
  }
  return index;
}

const stored = (name: string) => normaliseName(name).map((tokens) => tokens.join(" "));
const tokensOf = (normalizedNames: string[]) => normalizedNames.map((n) => n.split(" "));

function* batches<T>(rows: T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += BATCH_ROWS) yield rows.slice(i, i + BATCH_ROWS);
}

async function hashFiles(files: OfacListFiles): Promise<string> {
  // Length-prefixed, so moving text from one file to the next changes the hash.
  const parts = [files.primary, files.aliases ?? "", files.addresses ?? ""].map((text) => `${text.length}:${text}`).join("\n");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
