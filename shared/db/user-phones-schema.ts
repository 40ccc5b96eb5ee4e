import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts, users } from "./schema.ts";

/**
 * A user's own phone number, proved by a 6-digit code texted to it and typed back: the one number a `self_test`
 * call ("Call me" in the console) may dial for that user. Its own table rather than a column of `verified_numbers`:
 * those are the account's callees, verified by anyone with `consent:write` for anyone, while this one belongs to
 * one user (one row each, gone with the user). The code itself uses the same machinery
 * (workers/compliance/trial/verification-code.ts) and the account's hourly text limit.
 */
export const userPhones = sqliteTable("user_phones", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  accountId: text("account_id")
    .notNull()
    .references(() => accounts.id),
  phone: text("phone").notNull(),
  status: text("status", { enum: ["pending", "verified"] }).notNull(),
  /** `<key id>:<HMAC-SHA256 hex>` of the pending code; null once verified. */
  codeHash: text("code_hash"),
  codeExpiresAt: text("code_expires_at"),
  /** Wrong codes typed against the pending code; a new code starts again from 0. */
  attempts: integer("attempts").notNull().default(0),
  createdAt: text("created_at").notNull(),
  verifiedAt: text("verified_at"),
});
