import { and, eq, isNull, ne, or } from "drizzle-orm";
import type Stripe from "stripe";
import { pushBalanceSnapshot } from "../../../shared/billing/balance-snapshot.ts";
import type { PgDatabase, PostgresConfig } from "../../../shared/pg/client.ts";
import { postOnce } from "../../../shared/pg/ledger-postings.ts";
import { invoices, type InvoiceRow } from "../../../shared/pg/schema.ts";
import { markPaid } from "../payments/dunning.ts";
import { recordPaymentFailure } from "../payments/payment-failures.ts";

export type InvoiceEventOutcome = { handled: true; detail: string } | { handled: false; reason: string };

/**
 * Our invoice that a Stripe invoice names in its metadata, if it is the one we sent: same account, and the same
 * Stripe id, or none stored yet (Stripe's own auto-advance may finalize and charge a draft whose id a failed run
 * never stored; the job stores it when it sends the invoice again, under the same idempotency key).
 */
async function ourInvoice(db: PgDatabase, stripeInvoice: Stripe.Invoice): Promise<InvoiceRow | undefined> {
  const accountId = stripeInvoice.metadata?.account_id;
  const id = Number(stripeInvoice.metadata?.invoice_id);
  if (!accountId || !Number.isSafeInteger(id) || !stripeInvoice.id) return undefined;
  const [row] = await db
    .select()
    .from(invoices)
    .where(and(eq(invoices.id, id), eq(invoices.accountId, accountId), or(eq(invoices.stripeInvoiceId, stripeInvoice.id), isNull(invoices.stripeInvoiceId))))
    .limit(1);
  return row;
}

/**
 * `invoice.paid`: the month's usage is paid. Usage was already charged to the customer's balance call by call
 * (`call_charge`), so the payment credits it back by the invoice's subtotal (`invoice_payment`, payments →
 * customer_balance, source `payment_event/<Stripe invoice id>`): a paid month leaves the balance where it stood
 * before the month. The tax Stripe collected on top is owed to the tax authority, not the platform's revenue, and
 * stays out of the ledger. Once per Stripe invoice, so a redelivered event changes nothing; a payment also ends dunning.
 */
export async function invoicePaid(env: Env & PostgresConfig, db: PgDatabase, stripeInvoice: Stripe.Invoice): Promise<InvoiceEventOutcome> {
  const invoice = await ourInvoice(db, stripeInvoice);
  if (!invoice) return { handled: false, reason: "not ours" };
  const paidAt = new Date((stripeInvoice.status_transitions?.paid_at ?? Math.floor(Date.now() / 1000)) * 1000);
  const outcome = await db.transaction(async (tx) => {
    const posted = await postOnce(tx, {
      accountId: invoice.accountId,
      kind: "invoice_payment",
      debit: "payments",
      credit: "customer_balance",
      amountMinor: invoice.subtotalMinor,
      currency: invoice.currency,
      sourceType: "payment_event",
      sourceId: stripeInvoice.id!,
    });
    // Stripe's figures stand, also for an invoice the job had not yet recorded as finalized.
    await tx
      .update(invoices)
      .set({
        status: "paid",
        paidAt,
        stripeInvoiceId: stripeInvoice.id,
        number: stripeInvoice.number,
        hostedInvoiceUrl: stripeInvoice.hosted_invoice_url ?? null,
        taxMinor: stripeInvoice.total - stripeInvoice.subtotal,
        totalMinor: stripeInvoice.total,
      })
      .where(and(eq(invoices.id, invoice.id), ne(invoices.status, "paid")));
    return posted;
  });
  await markPaid(db, invoice.accountId);
  await pushBalanceSnapshot(env, invoice.accountId, db);
  return { handled: true, detail: outcome === "posted" ? "invoice paid" : "invoice already paid" };
}

/**
 * `invoice.payment_failed`: recorded once per attempt (Stripe counts them in `attempt_count`), which emits
 * `billing.payment_failed` to the tenant's webhooks and makes an active account past due (dunning), as a declined
 * auto-recharge does. The invoice stays open: paying it, or Stripe's next attempt, ends dunning through `invoice.paid`.
 */
export async function invoicePaymentFailed(env: Env & PostgresConfig, db: PgDatabase, stripeInvoice: Stripe.Invoice): Promise<InvoiceEventOutcome> {
  const invoice = await ourInvoice(db, stripeInvoice);
  if (!invoice) return { handled: false, reason: "not ours" };
  const first = await recordPaymentFailure(env, db, {
    accountId: invoice.accountId,
    // The failure record is keyed by the payment that failed: here the invoice's numbered attempt.
    paymentIntentId: `${stripeInvoice.id}/attempt/${stripeInvoice.attempt_count}`,
    amountMinor: stripeInvoice.amount_due,
    currency: invoice.currency,
    reason: "invoice_payment_failed",
    dunning: true,
  });
  return { handled: true, detail: first ? "invoice payment failure recorded" : "invoice payment failure already recorded" };
}
