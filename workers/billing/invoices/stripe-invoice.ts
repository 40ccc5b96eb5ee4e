import { asc, eq } from "drizzle-orm";
import Stripe from "stripe";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { billingAccounts, invoiceLines, invoices, type InvoiceLineRow, type InvoiceRow } from "../../../shared/pg/schema.ts";
import { stripeCurrency } from "../payments/stripe-client.ts";
import { ensureStripeCustomer } from "../payments/stripe-customer.ts";
import { lineDescription } from "./line-description.ts";

const log = (level: "warn" | "error", message: string, data: Record<string, unknown>) => console[level](JSON.stringify({ level, message, ...data }));

/** What Stripe's objects carry to name our invoice: the webhook finds it by these. */
export const invoiceMetadata = (invoice: InvoiceRow) => ({ account_id: invoice.accountId, invoice_id: String(invoice.id), month: invoice.month });

/**
 * Sends a draft invoice to Stripe as Stripe bills: an invoice item per line, then an invoice that takes the pending
 * items, with automatic tax by the customer's address country, finalized (numbered, tax computed) and charged to the
 * customer's default card off-session. Each step can be repeated: items already pending for this invoice are not
 * created again, the Stripe invoice's id is stored as soon as it exists, and a Stripe invoice already finalized is
 * not finalized again. The payment's outcome arrives by webhook (`invoice.paid`, `invoice.payment_failed`).
 */
export async function sendInvoice(stripe: Stripe, db: PgDatabase, invoice: InvoiceRow): Promise<InvoiceRow> {
  const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.accountId, invoice.accountId)).limit(1);
  const customer = await ensureStripeCustomer(stripe, db, invoice.accountId, account!.stripeCustomerId);
  // Stripe Tax locates the customer by address; without a country the invoice carries no tax.
  const country = account!.country;
  if (country) await stripe.customers.update(customer, { address: { country } });
  let stripeInvoiceId = invoice.stripeInvoiceId;
  if (!stripeInvoiceId) {
    const lines = await db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, invoice.id)).orderBy(asc(invoiceLines.lineNo));
    await createInvoiceItems(stripe, customer, invoice, lines);
    const created = await stripe.invoices.create(
      {
        customer,
        currency: stripeCurrency(invoice.currency),
        pending_invoice_items_behavior: "include",
        automatic_tax: { enabled: country !== null },
        auto_advance: true,
        description: `Voice agent usage, ${invoice.month}`,
        metadata: invoiceMetadata(invoice),
      },
      { idempotencyKey: `invoice:${invoice.id}:create` },
    );
    await db.update(invoices).set({ stripeInvoiceId: created.id }).where(eq(invoices.id, invoice.id));
    stripeInvoiceId = created.id!;
  }
  const current = await stripe.invoices.retrieve(stripeInvoiceId);
  const finalized = current.status === "draft" ? await stripe.invoices.finalizeInvoice(stripeInvoiceId, {}, { idempotencyKey: `invoice:${invoice.id}:finalize` }) : current;
  const [open] = await db
    .update(invoices)
    .set({
      status: "open",
      number: finalized.number,
      hostedInvoiceUrl: finalized.hosted_invoice_url ?? null,
      taxMinor: finalized.total - finalized.subtotal,
      totalMinor: finalized.total,
      finalizedAt: new Date((finalized.status_transitions.finalized_at ?? Math.floor(Date.now() / 1000)) * 1000),
    })
    .where(eq(invoices.id, invoice.id))
    .returning();
  if (finalized.status === "open") await collect(stripe, open!);
  return open!;
}

/** One invoice item per priced line, skipping those already pending for this invoice (a repeated send). */
async function createInvoiceItems(stripe: Stripe, customer: string, invoice: InvoiceRow, lines: InvoiceLineRow[]): Promise<void> {
  const pending = new Set<string>();
  for await (const item of stripe.invoiceItems.list({ customer, pending: true, limit: 100 })) {
    if (item.metadata?.invoice_id === String(invoice.id)) pending.add(item.metadata.line_no ?? "");
  }
  for (const line of lines) {
    if (line.amountMinor <= 0 || pending.has(String(line.lineNo))) continue;
    await stripe.invoiceItems.create(
      {
        customer,
        amount: line.amountMinor,
        currency: stripeCurrency(invoice.currency),
        description: lineDescription(line),
        metadata: { ...invoiceMetadata(invoice), line_no: String(line.lineNo), agent_id: line.agentId, component: line.component },
      },
      { idempotencyKey: `invoice:${invoice.id}:line:${line.lineNo}` },
    );
  }
}

/**
 * Charges the finalized invoice to the customer's default card now (Stripe itself would try about an hour after
 * finalizing, as `auto_advance` asks). A decline is not an error here: Stripe's `invoice.payment_failed` reaches the
 * webhook, which records it and starts dunning; a customer with no card keeps an open invoice to pay by its link.
 */
async function collect(stripe: Stripe, invoice: InvoiceRow): Promise<void> {
  try {
    await stripe.invoices.pay(invoice.stripeInvoiceId!, { off_session: true }, { idempotencyKey: `invoice:${invoice.id}:pay` });
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    log("warn", "invoice payment not collected", { invoice_id: invoice.id, account_id: invoice.accountId, code: error.code ?? error.type, error: error.message });
  }
}
