import type { z } from "@hono/zod-openapi";
import { pushBalanceSnapshot } from "../../shared/billing/balance-snapshot.ts";
import { newAccountId, withFreshId } from "../../shared/ids.ts";
import type { PostgresConfig } from "../../shared/pg/client.ts";
import { postOnce } from "../../shared/pg/ledger-postings.ts";
import { billingAccounts, type NewLedgerPosting } from "../../shared/pg/schema.ts";
import { withBillingDb } from "./billing-db.ts";
import type { NewAccountBilling } from "./billing-schemas.ts";
import { requirePlan } from "./billing-settings.ts";

type NewBilling = z.infer<typeof NewAccountBilling>;
type BillingRow = typeof billingAccounts.$inferSelect;

/** An opening balance: credit the account starts with, outside any payment (the operator's or the old prepaid model's). */
export const openingBalance = (accountId: string, amountMinor: number, currency: NewLedgerPosting["currency"], source: Pick<NewLedgerPosting, "sourceType" | "sourceId">, reason: string): NewLedgerPosting => ({
  accountId,
  kind: "opening_balance",
  debit: "adjustments",
  credit: "customer_balance",
  amountMinor,
  currency,
  ...source,
  reason,
});

/**
 * Creates an account in D1 (`createAccount`, with its audit entry) together with its billing side and opening
 * credit in Postgres. The Postgres rows are written first and committed last, around the D1 batch: an unreachable
 * Postgres refuses the request before anything exists, and a D1 failure (an id collision retries with a fresh id)
 * rolls the billing side back. Then the gate gets the account's first balance.
 */
export async function createAccountWithBilling<T>(
  env: Env & PostgresConfig,
  billing: NewBilling,
  idempotencyKey: string | undefined,
  createAccount: (accountId: string) => Promise<T>,
): Promise<{ accountId: string; created: T; billing: BillingRow }> {
  return withBillingDb(env, async (db) => {
    await requirePlan(db, billing.plan, "billing.plan");
    const result = await withFreshId(newAccountId, (accountId) =>
      db.transaction(async (tx) => {
        const [row] = await tx.insert(billingAccounts).values({
          accountId,
          planId: billing.plan,
          currency: billing.currency,
          billingMode: billing.mode,
          timeZone: billing.time_zone,
          lowBalanceThresholdMinor: billing.low_balance_threshold_minor,
        }).returning();
        if (billing.credit_minor > 0) {
          const source = idempotencyKey ? { sourceType: "operator_request" as const, sourceId: idempotencyKey } : { sourceType: "migration" as const, sourceId: accountId };
          await postOnce(tx, openingBalance(accountId, billing.credit_minor, billing.currency, source, "opening credit at account creation"));
        }
        return { accountId, created: await createAccount(accountId), billing: row! };
      }),
    );
    await pushBalanceSnapshot(env, result.accountId, db);
    return result;
  });
}
