import { eq } from "drizzle-orm";
import { pushBalanceSnapshot } from "../../../shared/billing/balance-snapshot.ts";
import type { PgDatabase, PostgresConfig } from "../../../shared/pg/client.ts";
import { postOnce, type PostingOutcome } from "../../../shared/pg/ledger-postings.ts";
import { billingAccounts } from "../../../shared/pg/schema.ts";
import { markPaid } from "./dunning.ts";

export interface ReceivedPayment {
  accountId: string;
  paymentIntentId: string;
  amountMinor: number;
  /** As Stripe writes it (lowercase). */
  currency: string;
}

export type TopUpOutcome = PostingOutcome | "unknown-account" | "currency-mismatch";

/**
 * Credits a paid top-up (Checkout or auto-recharge) to the account's balance, sourced `payment_event/<payment
 * intent id>`. The PaymentIntent is the money itself: a redelivered event, a second event about the same payment
 * (`checkout.session.completed` and `payment_intent.succeeded`) and a retried one all name it, so it posts once.
 */
export async function creditTopUp(env: Env & PostgresConfig, db: PgDatabase, payment: ReceivedPayment): Promise<TopUpOutcome> {
  const [account] = await db.select({ currency: billingAccounts.currency }).from(billingAccounts).where(eq(billingAccounts.accountId, payment.accountId)).limit(1);
  if (!account) return "unknown-account";
  if (account.currency.toLowerCase() !== payment.currency) return "currency-mismatch";
  const outcome = await postOnce(db, {
    accountId: payment.accountId,
    kind: "top_up",
    debit: "payments",
    credit: "customer_balance",
    amountMinor: payment.amountMinor,
    currency: account.currency,
    sourceType: "payment_event",
    sourceId: payment.paymentIntentId,
  });
  // A payment ends dunning: a past-due or billing-suspended account is active again (the gate admits calls).
  await markPaid(db, payment.accountId);
  await pushBalanceSnapshot(env, payment.accountId, db);
  return outcome;
}
