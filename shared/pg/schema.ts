/**
 * The Postgres tier (Neon in production): billing, compliance and analytics, one schema file per domain. D1 stays the
 * edge's database (tenants, agents, calls). drizzle-kit generates migrations/postgres/ from the *-schema.ts files
 * (`npm run db:pg:gen`); `npm run db:pg:migrate` and the tests apply them. Code imports the tables from here.
 */
export * from "./billing-schema.ts";
export * from "./sanctions-schema.ts";
export * from "./analytics-schema.ts";
export * from "./trust-hub-schema.ts";
export * from "./verification-schema.ts";
export * from "./rescreening-schema.ts";
export * from "./verification-documents-schema.ts";
