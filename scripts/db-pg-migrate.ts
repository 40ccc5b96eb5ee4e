/**
 * `npm run db:pg:migrate`: applies migrations/postgres/ to the database DATABASE_URL names (Neon's connection string
 * in production) and, when set, to DATABASE_URL_EU's (EU accounts' analytics: both get the same migrations), from the
 * environment or else from .dev.vars. PG_WS_PROXY, if set, routes through a local bridge.
 * `npm run dev`, `npm start`, the tests and the benchmark migrate their local Postgres themselves.
 */
import { migratePostgres } from "./lib/migrate-postgres.ts";
import { postgresUrls } from "./lib/postgres-urls.ts";

const { DATABASE_URL, DATABASE_URL_EU, PG_WS_PROXY } = postgresUrls();
if (!DATABASE_URL) {
  console.error("DATABASE_URL is not set (in the environment or .dev.vars): nothing to migrate.");
  process.exit(2);
}
for (const url of [DATABASE_URL, DATABASE_URL_EU]) {
  if (!url) continue;
  await migratePostgres({ DATABASE_URL: url, PG_WS_PROXY });
  console.log(`Postgres migrations applied to ${new URL(url).host}${new URL(url).pathname}.`);
}
if (!DATABASE_URL_EU) console.log("DATABASE_URL_EU is not set: EU accounts' analytics database not migrated.");
