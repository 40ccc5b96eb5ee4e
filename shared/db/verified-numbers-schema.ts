import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts } from "./schema.ts";

/** A number proved by a texted code: the state of its pending code, shared by `verified_numbers` and `user_phones`. */
export const textedCodeColumns = () => ({
  status: text("status", { enum: ["pending", "verified"] }).notNull(),
  /** `<key id>:<HMAC-SHA256 hex>` of the pending code; null once verified. */
  codeHash: text("code_hash"),
  codeExpiresAt: text("code_expires_at"),
  /** Wrong codes typed against the pending code; a new code starts again from 0. */
  attempts: integer("attempts").notNull().default(0),
  createdAt: text("created_at").notNull(),
  verifiedAt: text("verified_at"),
});

/**
 * Callee numbers an account on trial has proved it reaches: a 6-digit code texted to the number and typed back
 * (workers/compliance/trial/). A trial account calls out only to `verified` numbers (shared/compliance/trial-gates.ts).
 * The code is kept only as a keyed hash, until it is used, expires or runs out of attempts.
 */
export const verifiedNumbers = sqliteTable(
  "verified_numbers",
  {
    accountId: text("account_id").notNull().references(() => accounts.id),
    phone: text("phone").notNull(),
    ...textedCodeColumns(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.phone] })],
);

/** One row per verification text sent: an account's texts per hour are counted here (the rate limit). */
export const verificationTexts = sqliteTable(
  "verification_texts",
  {
    messageSid: text("message_sid").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    sentAt: text("sent_at").notNull(),
  },
  (t) => [index("verification_texts_account").on(t.accountId, t.sentAt)],
);
