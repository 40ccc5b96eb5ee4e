import { defineConfig } from "drizzle-kit";

// The Postgres tier's migrations, apart from D1's: drizzle-kit generates them, drizzle's migrator applies them
// (`npm run db:pg:migrate`, and the tests through the same function), so both paths run the same files.
export default defineConfig({
  dialect: "postgresql",
  schema: "./shared/pg/*-schema.ts",
  out: "./migrations/postgres",
});
