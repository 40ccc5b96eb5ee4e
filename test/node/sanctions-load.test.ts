import { appendFile, cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalPostgres, type LocalPostgres } from "../../scripts/lib/local-postgres.ts";
import { loadSanctionsDirectory } from "../../scripts/lib/sanctions-directory.ts";
import { withPostgres } from "../../shared/pg/client.ts";
import { sanctionsAliases, sanctionsEntries, sanctionsListVersions } from "../../shared/pg/schema.ts";
import { screenNames } from "../../workers/compliance/sanctions/screen-names.ts";

const FIXTURES = new URL("../../workers/compliance/sanctions/fixtures", import.meta.url).pathname;
const NEW_ENTRY = '90013,"ZELENKO, Arkady","individual","RUSSIA-EO14024","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","DOB 1969."\r\n';

describe("npm run sanctions:load's loader, into the embedded Postgres", { timeout: 60_000 }, () => {
  let pg: LocalPostgres;
  let changed: string;
  beforeAll(async () => {
    pg = await startLocalPostgres();
    changed = await mkdtemp(join(tmpdir(), "sanctions-lists-"));
    await cp(FIXTURES, changed, { recursive: true });
  });
  afterAll(async () => {
    await pg?.close();
    await rm(changed, { recursive: true, force: true });
  });
  const versions = () => withPostgres(pg.config, (db) => db.select().from(sanctionsListVersions).orderBy(sanctionsListVersions.id));

  it("loads both lists of the fixture as new versions, with their entries, aliases, addresses and normalised names", async () => {
    const loaded = await loadSanctionsDirectory(pg.config, FIXTURES);
    expect(loaded.map(({ source, created, entryCount, aliasCount, addressCount }) => ({ source, created, entryCount, aliasCount, addressCount }))).toEqual([
      { source: "sdn", created: true, entryCount: 12, aliasCount: 8, addressCount: 7 },
      { source: "consolidated", created: true, entryCount: 3, aliasCount: 2, addressCount: 2 },
    ]);
    const sdnVersion = loaded[0]!.versionId;
    const [mueller] = await withPostgres(pg.config, (db) => db.select().from(sanctionsEntries).where(eq(sanctionsEntries.versionId, sdnVersion)).limit(1));
    expect(mueller).toMatchObject({ entNum: 90001, name: "MUELLER, Hans Dieter", type: "individual", programs: ["SDGT"], normalizedNames: ["mueller hans dieter"] });
    const aliases = await withPostgres(pg.config, (db) => db.select({ n: count() }).from(sanctionsAliases).where(eq(sanctionsAliases.versionId, sdnVersion)));
    expect(aliases).toEqual([{ n: 8 }]);
  });

  it("makes no new version when the same files are loaded again", async () => {
    const before = await versions();
    const again = await loadSanctionsDirectory(pg.config, FIXTURES);
    expect(again.map((l) => [l.source, l.created, l.versionId])).toEqual(before.map((v) => [v.source, false, v.id]));
    expect(await versions()).toEqual(before);
  });

  it("makes a new version of the list whose file changed, and screens against the newest versions", async () => {
    await appendFile(join(changed, "sdn.csv"), NEW_ENTRY);
    const loaded = await loadSanctionsDirectory(pg.config, changed);
    expect(loaded.map((l) => [l.source, l.created, l.entryCount])).toEqual([["sdn", true, 13], ["consolidated", false, 3]]);
    expect((await versions()).map((v) => v.source)).toEqual(["sdn", "consolidated", "sdn"]);

    const matches = await withPostgres(pg.config, (db) => screenNames(db, ["Arkady Zelenko", "Acme Trading", "Vostokbank", "Ivan Pavlov"]));
    expect(matches.map((m) => [m.input, m.entry.source, m.entry.entNum, m.matchedName])).toEqual([
      ["Arkady Zelenko", "sdn", 90013, "ZELENKO, Arkady"],
      ["Acme Trading", "sdn", 90002, "ACME TRADING LLC"],
      ["Vostokbank", "consolidated", 80001, "VOSTOKBANK"],
    ]);
    expect(matches[1]!.entry.addresses).toEqual([
      { addNum: 9202, address: "Office 1204, Harbour Tower, Al Maktoum Road", cityStatePostal: "Dubai", country: "United Arab Emirates", remarks: null },
    ]);
  });

  it("loads nothing from a malformed file", async () => {
    const before = await versions();
    await writeFile(join(changed, "sdn.csv"), '90001,"ONLY THREE COLUMNS","-0- "\r\n');
    await expect(loadSanctionsDirectory(pg.config, changed)).rejects.toThrow("primary file, record 1: 3 columns, expected 12");
    expect(await versions()).toEqual(before);
  });
});
