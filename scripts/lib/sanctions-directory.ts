/**
 * OFAC list files in a directory, as OFAC names them (sdn.csv, alt.csv, add.csv; cons_prim.csv, cons_alt.csv,
 * cons_add.csv), loaded into Postgres through the Worker's own loader: `npm run sanctions:load` and its test.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { withPostgres, type PostgresConfig } from "../../shared/pg/client.ts";
import { loadSanctionsList, type LoadedVersion } from "../../workers/compliance/sanctions/list-store.ts";
import { OFAC_FILE_NAMES, type OfacListFiles, type SanctionsSource } from "../../workers/compliance/sanctions/ofac-list.ts";

export interface DirectoryList {
  source: SanctionsSource;
  files: OfacListFiles;
}

/** Each list whose primary file is in `dir`; its alias and address files are optional. */
export async function readSanctionsDirectory(dir: string): Promise<DirectoryList[]> {
  const lists: DirectoryList[] = [];
  for (const [source, names] of Object.entries(OFAC_FILE_NAMES) as [SanctionsSource, (typeof OFAC_FILE_NAMES)[SanctionsSource]][]) {
    if (!existsSync(join(dir, names.primary))) continue;
    const read = async (name: string) => (existsSync(join(dir, name)) ? readFile(join(dir, name), "utf8") : undefined);
    lists.push({ source, files: { primary: await readFile(join(dir, names.primary), "utf8"), aliases: await read(names.aliases), addresses: await read(names.addresses) } });
  }
  if (lists.length === 0) throw new Error(`${dir} holds neither ${OFAC_FILE_NAMES.sdn.primary} nor ${OFAC_FILE_NAMES.consolidated.primary}`);
  return lists;
}

export async function loadSanctionsDirectory(config: PostgresConfig, dir: string): Promise<(LoadedVersion & { source: SanctionsSource })[]> {
  const lists = await readSanctionsDirectory(dir);
  return withPostgres(config, async (db) => {
    const loaded = [];
    for (const { source, files } of lists) loaded.push({ source, ...(await loadSanctionsList(db, source, files)) });
    return loaded;
  });
}
