/**
 * The Postgres tier's sanctions rescreening (workers/compliance/verification/rescreen-*.ts): which list versions have
 * had their rescreen work queued, and which approved cases were screened against which version. Both make the
 * at-least-once queue idempotent: a version is queued once, a case is rescreened once per version.
 */
import { bigint, check, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { oneOf } from "./columns.ts";
import { sanctionsListVersions } from "./sanctions-schema.ts";

/** A list version whose rescreen messages were sent (one per case approved at that moment). */
export const sanctionsRescreenRuns = pgTable("sanctions_rescreen_runs", {
  versionId: bigint("version_id", { mode: "number" })
    .primaryKey()
    .references(() => sanctionsListVersions.id, { onDelete: "cascade" }),
  enqueuedAt: timestamp("enqueued_at", { withTimezone: true }).notNull().defaultNow(),
  caseCount: integer("case_count").notNull(),
});

export const RESCREEN_OUTCOMES = ["clear", "match", "not_approved"] as const;

/** One case screened against one list version: `match` reopened it, `not_approved` means it was no longer approved. */
export const verificationRescreens = pgTable(
  "verification_rescreens",
  {
    accountId: text("account_id").notNull(),
    versionId: bigint("version_id", { mode: "number" })
      .notNull()
      .references(() => sanctionsListVersions.id, { onDelete: "cascade" }),
    outcome: text("outcome", { enum: RESCREEN_OUTCOMES }).notNull(),
    matchCount: integer("match_count").notNull(),
    screenedAt: timestamp("screened_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.versionId] }), check("verification_rescreens_outcome_check", oneOf("outcome", RESCREEN_OUTCOMES))],
);
