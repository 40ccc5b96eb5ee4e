/**
 * The Postgres tier's business verification (KYB/KYC) cases: one per account (workers/compliance/verification/).
 * What a tenant declares and what was found about it are sealed with the ENCRYPTION_KEY ring (shared/crypto/
 * secret-box.ts): names, dates of birth, document numbers and addresses never sit in a row in clear. Only the state,
 * the registration country (for the operator's filters) and timestamps are plain.
 */
import { check, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { createdAt, oneOf } from "./columns.ts";

/** shared/crypto/secret-box.ts's SealedSecret (not imported: that file is Workers code, and Node tools read this schema). */
type SealedSecret = { keyId: string; ciphertext: string };

export const VERIFICATION_STATES = ["not_started", "submitted", "screening", "in_review", "approved", "rejected", "needs_info"] as const;
export type VerificationState = (typeof VERIFICATION_STATES)[number];

export const verificationCases = pgTable(
  "verification_cases",
  {
    accountId: text("account_id").primaryKey(),
    state: text("state", { enum: VERIFICATION_STATES }).notNull(),
    /** ISO 3166-1 alpha-2 of the registration; not personal, and what the operator filters on. */
    country: text("country").notNull(),
    /** The declared case (business, representative, owners) as sealed JSON; the context binds it to the account. */
    details: jsonb("details").$type<SealedSecret>().notNull(),
    /** What screening, identity checks and the operator found (sealed JSON array: it names people too). */
    evidence: jsonb("evidence").$type<SealedSecret>().notNull(),
    /** The operator's last decision's reason (needs_info: what to change), shown to the tenant. */
    decisionReason: text("decision_reason"),
    submittedAt: timestamp("submitted_at", { withTimezone: true }),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("verification_cases_state").on(t.state, t.submittedAt, t.accountId), check("verification_cases_state_check", oneOf("state", VERIFICATION_STATES))],
);
