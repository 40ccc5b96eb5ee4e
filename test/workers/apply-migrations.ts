import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// The same SQL files `wrangler d1 migrations apply` runs in production; re-applying is a no-op.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
