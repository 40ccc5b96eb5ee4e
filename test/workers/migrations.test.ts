import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as schema from "../../shared/db/schema.ts";
import * as webhooksSchema from "../../shared/db/webhooks-schema.ts";
import * as privacySchema from "../../shared/db/privacy-schema.ts";
import * as campaignsSchema from "../../shared/db/campaigns-schema.ts";
import * as workflowsSchema from "../../shared/db/workflows-schema.ts";
import * as consoleSchema from "../../shared/db/console-schema.ts";
import * as integrationsSchema from "../../shared/db/integrations-schema.ts";
import * as verifiedNumbersSchema from "../../shared/db/verified-numbers-schema.ts";
import * as userPhonesSchema from "../../shared/db/user-phones-schema.ts";

/** Every table of the D1 schema files drizzle-kit reads (drizzle.config.ts). */
const TABLES: SQLiteTable[] = [schema, webhooksSchema, privacySchema, campaignsSchema, workflowsSchema, consoleSchema, integrationsSchema, verifiedNumbersSchema, userPhonesSchema].flatMap((module) => Object.values(module as Record<string, unknown>).filter((v): v is SQLiteTable => is(v, SQLiteTable)));

const objects = async (type: "table" | "index" | "trigger") =>
  (
    await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name")
      .bind(type)
      .all<{ name: string }>()
  ).results.map((r) => r.name);

/** Drops every table (children first: foreign keys are enforced), leaving a database as empty as a new one. */
async function emptyDatabase() {
  for (let left = await objects("table"); left.length > 0; left = await objects("table")) {
    for (const name of left) await env.DB.prepare(`DROP TABLE "${name}"`).run().catch(() => undefined);
  }
}

describe("migrations", () => {
  it("build the whole D1 schema (shared/db/*schema.ts) on an empty database: tables, columns, keys, indexes, triggers", async () => {
    await emptyDatabase();
    expect(await objects("table")).toEqual([]);
    expect(await objects("trigger")).toEqual([]);

    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

    // Every table the schema declares, the migrations' own bookkeeping, nothing else.
    const names = TABLES.map((t) => getTableConfig(t).name);
    for (const table of ["security_events", "usage_events", "audit_log", "audit_heads"]) expect(names).toContain(table);
    expect(await objects("table")).toEqual([...names, "d1_migrations"].sort());

    for (const table of TABLES) {
      const config = getTableConfig(table);
      const { results: columns } = await env.DB.prepare(`PRAGMA table_info("${config.name}")`).all<{ name: string; notnull: number; pk: number }>();
      const primaryKey = config.primaryKeys[0]?.columns.map((c) => c.name) ?? config.columns.filter((c) => c.primary).map((c) => c.name);
      expect(
        columns.map((c) => ({ name: c.name, notNull: c.notnull === 1 || c.pk > 0 })),
        config.name,
      ).toEqual(config.columns.map((c) => ({ name: c.name, notNull: c.notNull || c.primary })));
      expect(
        columns
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name),
        `${config.name} primary key`,
      ).toEqual(primaryKey);

      const { results: indexList } = await env.DB.prepare(`PRAGMA index_list("${config.name}")`).all<{ name: string; unique: number; origin: string }>();
      const declared = await Promise.all(
        indexList
          .filter((i) => i.origin === "c")
          .map(async (i) => ({
            name: i.name,
            unique: i.unique === 1,
            columns: (await env.DB.prepare(`PRAGMA index_info("${i.name}")`).all<{ name: string }>()).results.map((c) => c.name),
          })),
      );
      const expected = config.indexes.map((i) => ({
        name: i.config.name,
        unique: i.config.unique,
        columns: i.config.columns.map((c) => (c as { name: string }).name),
      }));
      expect(declared.sort((a, b) => a.name.localeCompare(b.name)), `${config.name} indexes`).toEqual(expected.sort((a, b) => a.name.localeCompare(b.name)));

      const { results: fks } = await env.DB.prepare(`PRAGMA foreign_key_list("${config.name}")`).all<{ table: string; from: string; to: string }>();
      expect(
        fks.map((f) => `${f.from}→${f.table}.${f.to}`).sort(),
        `${config.name} foreign keys`,
      ).toEqual(
        config.foreignKeys
          .map((fk) => {
            const ref = fk.reference();
            return `${ref.columns[0]!.name}→${getTableConfig(ref.foreignTable).name}.${ref.foreignColumns[0]!.name}`;
          })
          .sort(),
      );
    }

    expect(await objects("trigger")).toEqual([
      "audit_heads_forward_only",
      "audit_heads_no_delete",
      "audit_log_advance_head",
      "audit_log_chains_pending",
      "audit_log_no_delete",
      "audit_log_no_update",
      "audit_pending_delete_only_chained",
      "audit_pending_no_update",
    ]);
  });

  it("are recorded, so applying them again changes nothing", async () => {
    const applied = (await env.DB.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>()).results.map((r) => r.name);
    expect(applied).toEqual(env.TEST_MIGRATIONS.map((m) => m.name));
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM d1_migrations").first<{ n: number }>())!.n).toBe(applied.length);
  });
});
