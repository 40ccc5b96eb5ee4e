import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts, users } from "./schema.ts";
import { textedCodeColumns } from "./verified-numbers-schema.ts";

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
  ...textedCodeColumns(),
});
