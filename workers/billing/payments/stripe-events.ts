import type Stripe from "stripe";
import type { PgDatabase, PostgresConfig } from "../../../shared/pg/client.ts";
import { CURRENCIES, type Currency } from "../../../shared/pg/schema.ts";
import { invoicePaid, invoicePaymentFailed } from "../invoices/invoice-payments.ts";
import { rechargeIfLow } from "./auto-recharge.ts";
import { declineReason, recordPaymentFailure } from "./payment-failures.ts";
import { savePaymentMethod } from "./saved-payment-method.ts";
import { creditTopUp } from "./top-up-postings.ts";
import { recordIdentityOutcome } from "../../compliance/verification/identity-evidence.ts";

export type PaymentsEnv = Env & PostgresConfig;
export type StripeEventOutcome = { handled: true; detail: string } | { handled: false; reason: string };

const log = (message: string, data: Record<string, unknown>) => console.warn(JSON.stringify({ level: "warn", message, ...data }));
const ourCurrency = (stripeCurrency: string): Currency | undefined => CURRENCIES.find((c) => c.toLowerCase() === stripeCurrency);

/**
 * Applies one verified Stripe event. Each effect is idempotent on its own key (the top-up posting on the payment
 * intent, the failure record on the payment intent, the saved card by value, an invoice's payment on the Stripe
 * invoice), so a duplicate or retried event
 * changes nothing. Events we did not cause (no `account_id` in their metadata) and types we do not use are ignored.
 */
export async function applyStripeEvent(env: PaymentsEnv, stripe: Stripe, db: PgDatabase, event: Stripe.Event): Promise<StripeEventOutcome> {
  switch (event.type) {
    case "checkout.session.completed": {
      const session = event.data.object;
      const accountId = session.metadata?.account_id;
      if (!accountId) return { handled: false, reason: "not ours" };
      if (session.mode === "payment" && session.metadata?.kind === "top_up") {
        if (session.payment_status !== "paid" || !session.payment_intent || session.amount_total === null || !session.currency) return { handled: false, reason: "not paid" };
        const paymentIntentId = typeof session.payment_intent === "string" ? session.payment_intent : session.payment_intent.id;
        return credited(env, stripe, db, { accountId, paymentIntentId, amountMinor: session.amount_total, currency: session.currency });
      }
      if (session.mode === "setup" && session.metadata?.kind === "payment_method") {
        const saved = await savePaymentMethod(stripe, db, accountId, session);
        if (!saved) log("stripe setup session saved no card", { event_id: event.id, account_id: accountId });
        return saved ? { handled: true, detail: "payment method saved" } : { handled: false, reason: "no card saved" };
      }
      return { handled: false, reason: "unused session kind" };
    }
    case "payment_intent.succeeded": {
      const pi = event.data.object;
      const accountId = pi.metadata?.account_id;
      if (!accountId) return { handled: false, reason: "not ours" };
      return credited(env, stripe, db, { accountId, paymentIntentId: pi.id, amountMinor: pi.amount_received, currency: pi.currency });
    }
    case "payment_intent.payment_failed": {
      const pi = event.data.object;
      const accountId = pi.metadata?.account_id;
      const currency = ourCurrency(pi.currency);
      if (!accountId || !currency) return { handled: false, reason: "not ours" };
      const first = await recordPaymentFailure(env, db, { accountId, paymentIntentId: pi.id, amountMinor: pi.amount, currency, reason: declineReason(pi.last_payment_error), dunning: pi.metadata.kind === "auto_recharge" });
      return { handled: true, detail: first ? "payment failure recorded" : "payment failure already recorded" };
    }
    case "invoice.paid":
      return invoicePaid(env, db, event.data.object);
    case "invoice.payment_failed":
      return invoicePaymentFailed(env, db, event.data.object);
    // The representative's identity check for a verification case (workers/compliance/verification).
    case "identity.verification_session.verified":
    case "identity.verification_session.requires_input":
    case "identity.verification_session.canceled":
      return recordIdentityOutcome(env.ENCRYPTION_KEY, db, event.id, event.data.object);
    default:
      return { handled: false, reason: `unused event type ${event.type}` };
  }
}

async function credited(env: PaymentsEnv, stripe: Stripe, db: PgDatabase, payment: Parameters<typeof creditTopUp>[2]): Promise<StripeEventOutcome> {
  const outcome = await creditTopUp(env, db, payment);
  if (outcome === "unknown-account" || outcome === "currency-mismatch") {
    log("stripe payment not credited", { payment_intent: payment.paymentIntentId, account_id: payment.accountId, reason: outcome });
    return { handled: false, reason: outcome };
  }
  // The balance rose: this re-arms auto-recharge for the next crossing (or recharges, if still below and armed).
  await rechargeIfLow(env, stripe, db, payment.accountId);
  return { handled: true, detail: outcome === "posted" ? "top-up posted" : "top-up already posted" };
}
