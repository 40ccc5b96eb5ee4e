import { defineConfig } from "drizzle-kit";

// drizzle-kit only generates SQL; `wrangler d1 migrations apply` applies it (in deploys and, via
// readD1Migrations, in tests), so both paths run the same files.
export default defineConfig({
  dialect: "sqlite",
  schema: "./shared/db/*schema.ts",
  out: "./migrations",
});
