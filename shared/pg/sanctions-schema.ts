/** The Postgres tier's compliance tables: OFAC sanctions lists, one version per load. */
import { bigint, bigserial, check, foreignKey, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { oneOf } from "./columns.ts";

// ---- Compliance: sanctions lists ----

export const SANCTIONS_LIST_SOURCES = ["sdn", "consolidated"] as const;

/**
 * Each load of one OFAC list (workers/compliance/sanctions/list-store.ts). The newest version of a source is the one
 * screened; a load whose files hash the same as the newest version's makes no new version.
 */
export const sanctionsListVersions = pgTable(
  "sanctions_list_versions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    source: text("source", { enum: SANCTIONS_LIST_SOURCES }).notNull(),
    // SHA-256 of the three files' text.
    contentHash: text("content_hash").notNull(),
    loadedAt: timestamp("loaded_at", { withTimezone: true }).notNull().defaultNow(),
    entryCount: integer("entry_count").notNull(),
    aliasCount: integer("alias_count").notNull(),
    addressCount: integer("address_count").notNull(),
  },
  (t) => [index("sanctions_list_versions_source").on(t.source, t.id), check("sanctions_list_versions_source_check", oneOf("source", SANCTIONS_LIST_SOURCES))],
);

/** A listed person, entity, vessel or aircraft (sdn.csv / cons_prim.csv); `normalized_names` are its name's spellings as screened. */
export const sanctionsEntries = pgTable(
  "sanctions_entries",
  {
    versionId: bigint("version_id", { mode: "number" }).notNull().references(() => sanctionsListVersions.id, { onDelete: "cascade" }),
    entNum: integer("ent_num").notNull(),
    name: text("name").notNull(),
    type: text("type"),
    programs: text("programs").array().notNull(),
    title: text("title"),
    remarks: text("remarks"),
    normalizedNames: text("normalized_names").array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.entNum] })],
);

export const sanctionsAliases = pgTable(
  "sanctions_aliases",
  {
    versionId: bigint("version_id", { mode: "number" }).notNull(),
    entNum: integer("ent_num").notNull(),
    altNum: integer("alt_num").notNull(),
    type: text("type"),
    name: text("name").notNull(),
    remarks: text("remarks"),
    normalizedNames: text("normalized_names").array().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.versionId, t.entNum, t.altNum] }),
    foreignKey({ name: "sanctions_aliases_entry_fk", columns: [t.versionId, t.entNum], foreignColumns: [sanctionsEntries.versionId, sanctionsEntries.entNum] }).onDelete("cascade"),
  ],
);

export const sanctionsAddresses = pgTable(
  "sanctions_addresses",
  {
    versionId: bigint("version_id", { mode: "number" }).notNull(),
    entNum: integer("ent_num").notNull(),
    addNum: integer("add_num").notNull(),
    address: text("address"),
    cityStatePostal: text("city_state_postal"),
    country: text("country"),
    remarks: text("remarks"),
  },
  (t) => [
    primaryKey({ columns: [t.versionId, t.entNum, t.addNum] }),
    foreignKey({ name: "sanctions_addresses_entry_fk", columns: [t.versionId, t.entNum], foreignColumns: [sanctionsEntries.versionId, sanctionsEntries.entNum] }).onDelete("cascade"),
  ],
);
