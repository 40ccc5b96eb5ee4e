import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { accounts } from "../db/schema.ts";

export type AccountVerification = (typeof accounts.$inferSelect)["verification"];

/**
 * Sets whether the account is on the trial gates (`trial`) or verified (`approved`): D1's `accounts.verification`,
 * which the gates read. Returns the statement unawaited, so a caller can put it in the same batch as its audit entry
 * (it is also awaitable on its own).
 */
export const setAccountVerification = (db: Database, accountId: string, value: AccountVerification) =>
  db.update(accounts).set({ verification: value }).where(eq(accounts.id, accountId));
