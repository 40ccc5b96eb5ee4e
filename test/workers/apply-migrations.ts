import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// The same SQL files `wrangler d1 migrations apply` runs in production, on both databases (DB_EU holds EU accounts'
// call records); re-applying is a no-op.
await Promise.all([applyD1Migrations(env.DB, env.TEST_MIGRATIONS), applyD1Migrations(env.DB_EU, env.TEST_MIGRATIONS)]);
