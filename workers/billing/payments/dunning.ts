import { and, eq, inArray, lt } from "drizzle-orm";
import { pushBalanceSnapshot } from "../../../shared/billing/balance-snapshot.ts";
import { withPostgres, type PgDatabase, type PostgresConfig } from "../../../shared/pg/client.ts";
import { billingAccounts } from "../../../shared/pg/schema.ts";

/** How long a past-due account keeps calling before its billing is suspended. */
export const DUNNING_GRACE_DAYS = 7;
const DAY_MS = 86_400_000;

/**
 * A failed off-session payment makes an active account `past_due` (calls still go through during the grace
 * period). True when this changed the status; the caller then pushes the snapshot to the gate.
 */
export async function markPastDue(db: PgDatabase, accountId: string, now: Date): Promise<boolean> {
  const changed = await db
    .update(billingAccounts)
    .set({ billingStatus: "past_due", pastDueSince: now })
    .where(and(eq(billingAccounts.accountId, accountId), eq(billingAccounts.billingStatus, "active")))
    .returning({ id: billingAccounts.accountId });
  return changed.length > 0;
}

/** A payment received brings a past-due or billing-suspended account back to `active`. True when it changed. */
export async function markPaid(db: PgDatabase, accountId: string): Promise<boolean> {
  const changed = await db
    .update(billingAccounts)
    .set({ billingStatus: "active", pastDueSince: null })
    .where(and(eq(billingAccounts.accountId, accountId), inArray(billingAccounts.billingStatus, ["past_due", "suspended_for_billing"])))
    .returning({ id: billingAccounts.accountId });
  return changed.length > 0;
}

/**
 * The scheduled half of dunning: accounts past due for longer than the grace period become
 * `suspended_for_billing`, and their gates refuse new calls with `billing-suspended` from the pushed snapshot.
 */
export async function suspendOverdueAccounts(env: Env & PostgresConfig, now: Date): Promise<{ suspended: number }> {
  return withPostgres(env, async (db) => {
    const cutoff = new Date(now.getTime() - DUNNING_GRACE_DAYS * DAY_MS);
    const suspended = await db
      .update(billingAccounts)
      .set({ billingStatus: "suspended_for_billing" })
      .where(and(eq(billingAccounts.billingStatus, "past_due"), lt(billingAccounts.pastDueSince, cutoff)))
      .returning({ accountId: billingAccounts.accountId });
    for (const { accountId } of suspended) await pushBalanceSnapshot(env, accountId, db);
    return { suspended: suspended.length };
  });
}
