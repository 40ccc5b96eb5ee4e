import type { ServerResponse } from "node:http";
import { invoiceOf, payInvoice } from "./invoices.ts";
import type { Invoice } from "./objects.ts";
import type { StripeState } from "./state.ts";
import { StripeApiError } from "./stripe-error.ts";
import { TEST_CARDS } from "./test-cards.ts";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency.toUpperCase()}`;

/** The hosted invoice page (`hosted_invoice_url`): the invoice's lines and totals, and for an open one a card picker and a Pay button. */
export function invoicePageHtml(invoice: Invoice, error?: string): string {
  const rows = invoice.lines.data.map((l) => `<tr><td>${escape(l.description ?? "")}</td><td>${money(l.amount, l.currency)}</td></tr>`).join("");
  const tax = invoice.total - invoice.subtotal;
  const options = Object.entries(TEST_CARDS)
    .map(([id, card]) => `<option value="${id}">${escape(card.brand)} •••• ${card.last4} (${id})</option>`)
    .join("");
  const action =
    invoice.status === "open"
      ? `<form method="post" action="/invoice/${escape(invoice.id)}/pay">
  <label>Card <select name="payment_method">${options}</select></label>
  <button type="submit" id="submit">Pay ${money(invoice.amount_remaining, invoice.currency)}</button>
</form>`
      : `<p id="status">This invoice is ${escape(invoice.status)}.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice ${escape(invoice.number ?? invoice.id)} (Stripe simulator)</title></head>
<body><h1>Invoice ${escape(invoice.number ?? invoice.id)}</h1>${error ? `<p role="alert">${escape(error)}</p>` : ""}
<table>${rows}<tr><td>Subtotal</td><td>${money(invoice.subtotal, invoice.currency)}</td></tr><tr><td>Tax</td><td>${money(tax, invoice.currency)}</td></tr><tr><td>Total</td><td>${money(invoice.total, invoice.currency)}</td></tr></table>
${action}
</body></html>`;
}

/**
 * GET shows a finalized invoice; its button POSTs the chosen test card, which pays it as `POST /v1/invoices/{id}/pay`
 * would (a decline is shown on the page, and emits `invoice.payment_failed`). Drafts have no hosted page, as on Stripe.
 */
export function serveInvoicePage(state: StripeState, res: ServerResponse, method: string, id: string, pay: boolean, body: string): void {
  const html = (status: number, text: string): void => void res.writeHead(status, { "Content-Type": "text/html; charset=utf-8" }).end(text);
  let invoice: Invoice;
  try {
    invoice = invoiceOf(state, id);
  } catch {
    return html(404, "<!doctype html><title>Not found</title><p>No such invoice.</p>");
  }
  if (invoice.status === "draft") return html(404, "<!doctype html><title>Not found</title><p>This invoice is not finalized.</p>");
  if (!pay && method === "GET") return html(200, invoicePageHtml(invoice));
  if (!pay || method !== "POST") return html(405, "<!doctype html><title>Method not allowed</title>");
  const pm = new URLSearchParams(body).get("payment_method") ?? "pm_card_visa";
  try {
    payInvoice(state, invoice, { payment_method: pm }, { id: null, idempotencyKey: null });
  } catch (err) {
    if (err instanceof StripeApiError) return html(err.status, invoicePageHtml(invoice, err.message));
    throw err;
  }
  html(200, invoicePageHtml(invoice));
}
