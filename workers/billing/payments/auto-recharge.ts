import { and, eq } from "drizzle-orm";
import Stripe from "stripe";
import { readBalanceSnapshot } from "../../../shared/billing/balance-snapshot.ts";
import type { PgDatabase, PostgresConfig } from "../../../shared/pg/client.ts";
import { billingAccounts } from "../../../shared/pg/schema.ts";
import { paymentMetadata } from "./checkout.ts";
import { declineReason, recordPaymentFailure } from "./payment-failures.ts";
import { stripeCurrency } from "./stripe-client.ts";

export type AutoRechargeOutcome =
  /** Auto-recharge is off, or no card is saved. */
  | { kind: "off" }
  /** At or above the threshold: armed for the next crossing. */
  | { kind: "above" }
  /** Below, and this crossing already had its charge (or its decline). */
  | { kind: "already-recharged" }
  /** Charged; the top-up posts when Stripe's `payment_intent.succeeded` reaches the webhook. */
  | { kind: "charged"; paymentIntentId: string }
  | { kind: "declined"; paymentIntentId: string; reason: string }
  /** Stripe could not be reached or refused the request: the crossing is re-armed, tried again at the next posting. */
  | { kind: "retry-later"; error: string };

/**
 * Recharges a prepaid account whose balance is below its auto-recharge threshold: one off-session charge of the
 * saved card per crossing. The crossing is claimed in Postgres before Stripe is asked (`auto_recharge_armed`), so two
 * settlements at once charge once; the charge's idempotency key names the crossing, so a retry after a lost answer
 * cannot charge twice either. A decline is recorded, emits `billing.payment_failed` and makes the account past due
 * (./dunning.ts); it then stays below until it is topped up by hand (the balance rising re-arms it).
 */
export async function rechargeIfLow(env: Env & PostgresConfig, stripe: Stripe, db: PgDatabase, accountId: string): Promise<AutoRechargeOutcome> {
  const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.accountId, accountId)).limit(1);
  if (!account?.autoRechargeEnabled || !account.stripeCustomerId || !account.stripePaymentMethodId) return { kind: "off" };
  const balance = (await readBalanceSnapshot(db, accountId))!.balanceMinor;
  const at = eq(billingAccounts.accountId, accountId);
  if (balance >= account.autoRechargeThresholdMinor!) {
    if (!account.autoRechargeArmed) {
      await db
        .update(billingAccounts)
        .set({ autoRechargeArmed: true, autoRechargeCrossing: account.autoRechargeCrossing + 1 })
        .where(and(at, eq(billingAccounts.autoRechargeArmed, false), eq(billingAccounts.autoRechargeCrossing, account.autoRechargeCrossing)));
    }
    return { kind: "above" };
  }
  const [claimed] = await db
    .update(billingAccounts)
    .set({ autoRechargeArmed: false })
    .where(and(at, eq(billingAccounts.autoRechargeArmed, true)))
    .returning({ crossing: billingAccounts.autoRechargeCrossing });
  if (!claimed) return { kind: "already-recharged" };
  const amountMinor = account.autoRechargeAmountMinor!;
  try {
    const pi = await stripe.paymentIntents.create(
      {
        amount: amountMinor,
        currency: stripeCurrency(account.currency),
        customer: account.stripeCustomerId,
        payment_method: account.stripePaymentMethodId,
        off_session: true,
        confirm: true,
        description: "Voice agent credit (auto-recharge)",
        metadata: paymentMetadata(accountId, "auto_recharge"),
      },
      { idempotencyKey: `auto-recharge:${accountId}:${claimed.crossing}` },
    );
    return { kind: "charged", paymentIntentId: pi.id };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeCardError) {
      const paymentIntentId = error.payment_intent?.id ?? `auto-recharge:${accountId}:${claimed.crossing}`;
      const reason = declineReason(error);
      await recordPaymentFailure(env, db, { accountId, paymentIntentId, amountMinor, currency: account.currency, reason, dunning: true });
      return { kind: "declined", paymentIntentId, reason };
    }
    // Not the card's answer: give the crossing back, so the next posting tries again under the same key.
    await db.update(billingAccounts).set({ autoRechargeArmed: true }).where(and(at, eq(billingAccounts.autoRechargeCrossing, claimed.crossing)));
    console.error(JSON.stringify({ level: "error", message: "auto-recharge not charged; re-armed", account_id: accountId, error: String(error) }));
    return { kind: "retry-later", error: String(error) };
  }
}
