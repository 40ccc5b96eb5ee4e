/**
 * `npm run analytics:move-region -- [--account <id>]… [--dry-run]`: moves EU accounts' call facts, turn facts and
 * rollups recorded in DATABASE_URL before EU analytics lived in DATABASE_URL_EU (scripts/lib/analytics-region-move.ts).
 * Without --account: every account whose facts in DATABASE_URL include EU call ids (`CAL-EU-…`). Both URLs from the
 * environment or else .dev.vars, as `npm run db:pg:migrate`; prints what it moved per account.
 */
import { parseArgs } from "node:util";
import { withPostgresPools } from "../shared/pg/client.ts";
import { euAccountsWithGlobalFacts, moveAccountAnalytics, type AccountMove } from "./lib/analytics-region-move.ts";
import { postgresUrls } from "./lib/postgres-urls.ts";

const { values } = parseArgs({ options: { account: { type: "string", multiple: true }, "dry-run": { type: "boolean", default: false } } });
const dryRun = values["dry-run"];
const { DATABASE_URL, DATABASE_URL_EU, PG_WS_PROXY } = postgresUrls();
if (!DATABASE_URL || !DATABASE_URL_EU) {
  console.error("npm run analytics:move-region: set DATABASE_URL and DATABASE_URL_EU (in the environment or .dev.vars).");
  process.exit(2);
}
if (DATABASE_URL === DATABASE_URL_EU) {
  console.error("npm run analytics:move-region: DATABASE_URL and DATABASE_URL_EU name the same database: nothing to move.");
  process.exit(2);
}

const report = (m: AccountMove) =>
  dryRun
    ? `${m.accountId}: would move ${m.calls} call(s) and ${m.turns} turn(s) to the EU database, rebuild its rollups there (days in ${m.timeZone}) and remove ${m.globalHourlyRows} hourly and ${m.globalDailyRows} daily rollup rows from the global one`
    : `${m.accountId}: moved ${m.calls} call(s) and ${m.turns} turn(s) to the EU database, which now holds ${m.euHourlyRows} hourly and ${m.euDailyRows} daily rollup rows (days in ${m.timeZone}); removed ${m.globalHourlyRows} hourly and ${m.globalDailyRows} daily rollup rows from the global one`;

try {
  await withPostgresPools(async (open) => {
    const global = open({ DATABASE_URL, PG_WS_PROXY });
    const eu = open({ DATABASE_URL: DATABASE_URL_EU, PG_WS_PROXY });
    const accounts = values.account ?? (await euAccountsWithGlobalFacts(global));
    if (accounts.length === 0) console.log("No EU account's analytics left in the global database.");
    for (const accountId of accounts) console.log(report(await moveAccountAnalytics(global, eu, accountId, dryRun)));
  });
} catch (error) {
  console.error(`npm run analytics:move-region: ${(error as Error).message}`);
  process.exit(1);
}
