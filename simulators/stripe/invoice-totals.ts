import type { Invoice } from "./objects.ts";
import type { StripeState } from "./state.ts";
import { taxFor } from "./tax-table.ts";

/** Rebuilds an invoice's lines and totals from its invoice items, with automatic tax by the customer's country. */
export function recomputeInvoice(state: StripeState, invoice: Invoice): void {
  const items = [...state.invoiceItems.values()].filter((i) => i.invoice === invoice.id);
  invoice.lines = {
    object: "list",
    data: items.map((i) => ({
      id: `il_${i.id.slice(3)}`,
      object: "line_item",
      amount: i.amount,
      currency: i.currency,
      description: i.description,
      invoice: invoice.id,
      invoice_item: i.id,
      livemode: false,
      metadata: i.metadata,
      period: i.period,
      quantity: i.quantity,
    })),
    has_more: false,
    total_count: items.length,
    url: `/v1/invoices/${invoice.id}/lines`,
  };
  const subtotal = items.reduce((sum, i) => sum + i.amount, 0);
  const country = invoice.customer_address?.country;
  invoice.total_taxes = invoice.automatic_tax.enabled && country ? [taxFor(country, Math.max(subtotal, 0))] : [];
  const tax = invoice.total_taxes.reduce((sum, t) => sum + t.amount, 0);
  invoice.subtotal = subtotal;
  invoice.total_excluding_tax = subtotal;
  invoice.total = subtotal + tax;
  invoice.amount_due = Math.max(invoice.total, 0);
  invoice.amount_remaining = invoice.amount_due - invoice.amount_paid;
}
