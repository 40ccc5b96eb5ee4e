import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts } from "./schema.ts";

// ---- Callers' privacy: erasure tombstones, retention policies and runs (workers/compliance/) ----

/**
 * What is left of a person after an erasure (`POST /v1/privacy/erasures`): their number only as its per-account
 * salted hash (the audit log's pseudonym, shared/audit/phone-pseudonym.ts), and the refusals that must outlive the
 * erased records: a do-not-call listing and the consent types they had opted out of.
 */
export const privacyTombstones = sqliteTable(
  "privacy_tombstones",
  {
    accountId: text("account_id").notNull().references(() => accounts.id),
    phoneHash: text("phone_hash").notNull(),
    doNotCall: integer("do_not_call", { mode: "boolean" }).notNull(),
    refusedConsentTypes: text("refused_consent_types", { mode: "json" }).$type<string[]>().notNull(),
    erasedAt: text("erased_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.phoneHash] })],
);

/** How long an account keeps each kind of call record, in days; null keeps it forever (the default, no row). */
export const retentionPolicies = sqliteTable("retention_policies", {
  accountId: text("account_id")
    .primaryKey()
    .references(() => accounts.id),
  transcriptsDays: integer("transcripts_days"),
  recordingsDays: integer("recordings_days"),
  callEventsDays: integer("call_events_days"),
  analysisDays: integer("analysis_days"),
  updatedAt: text("updated_at").notNull(),
});

/** One row per account a retention run deleted something for: what it deleted, and the cut-offs it applied. */
export const retentionRuns = sqliteTable(
  "retention_runs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: text("account_id").notNull(),
    ranAt: text("ran_at").notNull(),
    cutoffs: text("cutoffs", { mode: "json" }).$type<Record<string, string>>().notNull(),
    deleted: text("deleted", { mode: "json" }).$type<Record<string, number>>().notNull(),
  },
  (t) => [index("retention_runs_account").on(t.accountId, t.ranAt)],
);
