/**
 * `npm run sanctions:load -- <dir>`: loads the OFAC list files in <dir> (sdn.csv, alt.csv, add.csv and/or
 * cons_prim.csv, cons_alt.csv, cons_add.csv, as OFAC publishes them) into Postgres, each list as a new version
 * unless its files are the same as its newest version's. Postgres is DATABASE_URL (from the environment or
 * .dev.vars; PG_WS_PROXY, if set, routes through a local bridge), else the embedded one `npm run dev` keeps.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEV_STATE_DIR } from "./lib/dev-state.ts";
import { parseDevVars } from "./lib/dev-wiring.ts";
import { startLocalPostgres } from "./lib/local-postgres.ts";
import { loadSanctionsDirectory } from "./lib/sanctions-directory.ts";

const DEV_VARS = new URL("../.dev.vars", import.meta.url).pathname;
const { positionals } = parseArgs({ allowPositionals: true });
const dir = positionals[0];
if (!dir || positionals.length > 1) {
  console.error("usage: npm run sanctions:load -- <directory with sdn.csv and/or cons_prim.csv>");
  process.exit(2);
}

const devVars = existsSync(DEV_VARS) ? parseDevVars(readFileSync(DEV_VARS, "utf8")) : {};
const DATABASE_URL = process.env.DATABASE_URL ?? devVars.DATABASE_URL;
// The embedded cluster admits one server at a time: while `npm run dev` runs it, starting it here fails, and says so.
const local = DATABASE_URL ? undefined : await startLocalPostgres({ dataDir: join(DEV_STATE_DIR, "state", "postgres") });
try {
  const config = local?.config ?? { DATABASE_URL: DATABASE_URL!, PG_WS_PROXY: process.env.PG_WS_PROXY ?? "" };
  for (const list of await loadSanctionsDirectory(config, dir)) {
    const counts = `${list.entryCount} entries, ${list.aliasCount} aliases, ${list.addressCount} addresses`;
    console.log(`${list.source}: ${list.created ? "loaded as version" : "unchanged since version"} ${list.versionId} (${counts})`);
  }
} catch (error) {
  console.error(`npm run sanctions:load: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await local?.close();
}
