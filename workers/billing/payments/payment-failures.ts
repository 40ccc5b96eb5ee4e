import { pushBalanceSnapshot } from "../../../shared/billing/balance-snapshot.ts";
import type { PgDatabase, PostgresConfig } from "../../../shared/pg/client.ts";
import { paymentFailures, type Currency } from "../../../shared/pg/schema.ts";
import { emitWebhookEvent } from "../../../shared/webhooks/emit-webhook-event.ts";
import { markPastDue } from "./dunning.ts";

export interface PaymentFailure {
  accountId: string;
  paymentIntentId: string;
  amountMinor: number;
  currency: Currency;
  /** Stripe's decline code (`card_declined`, `insufficient_funds`) or, without one, its error code or message. */
  reason: string;
  /** An off-session charge (auto-recharge) failed: the account becomes past due. A decline on a Checkout page does not. */
  dunning: boolean;
}

/**
 * Records a failed payment once per PaymentIntent and, the first time only, tells the tenant's webhooks
 * (`billing.payment_failed`). The off-session charge's decline and Stripe's `payment_intent.payment_failed` event
 * both report the same failure; whichever comes first records it. True when this call recorded it.
 */
export async function recordPaymentFailure(env: Env & PostgresConfig, db: PgDatabase, failure: PaymentFailure): Promise<boolean> {
  const inserted = await db
    .insert(paymentFailures)
    .values({ paymentIntentId: failure.paymentIntentId, accountId: failure.accountId, amountMinor: failure.amountMinor, currency: failure.currency, reason: failure.reason })
    .onConflictDoNothing()
    .returning({ id: paymentFailures.paymentIntentId });
  if (inserted.length === 0) return false;
  // Awaited (the send never throws): the queue consumer and the webhook handler may end right after this.
  let queued: Promise<unknown> | undefined;
  emitWebhookEvent(
    env,
    {
      type: "billing.payment_failed",
      accountId: failure.accountId,
      // Stable per PaymentIntent, so the fan-out keeps one delivery per endpoint should this ever run twice.
      id: `evt_payment_failed_${failure.paymentIntentId}`,
      data: { amount_minor: failure.amountMinor, currency: failure.currency, reason: failure.reason },
    },
    (sending) => (queued = sending),
  );
  await queued;
  if (failure.dunning && (await markPastDue(db, failure.accountId, new Date()))) await pushBalanceSnapshot(env, failure.accountId, db);
  return true;
}

/** What a declined PaymentIntent's `last_payment_error` says, most specific first. */
export function declineReason(error: { decline_code?: string | null; code?: string | null; message?: string | null } | null | undefined): string {
  return error?.decline_code || error?.code || error?.message || "payment_failed";
}
