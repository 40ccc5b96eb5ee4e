import { customerOf } from "./customers.ts";
import { newId, unixNow } from "./ids.ts";
import { recomputeInvoice } from "./invoice-totals.ts";
import { listPage } from "./list-page.ts";
import type { Invoice } from "./objects.ts";
import { LIST_PARAMS, readParams, required, type Params } from "./params.ts";
import { declineOf, resolvePaymentMethod } from "./payment-methods.ts";
import { ok, type ApiRouter } from "./route-context.ts";
import type { RequestOrigin, StripeState } from "./state.ts";
import { invalidRequest, noSuchResource } from "./stripe-error.ts";

const CREATE_SPEC = {
  customer: "string",
  auto_advance: "boolean",
  automatic_tax: { enabled: "boolean" },
  currency: "string",
  default_payment_method: "string",
  description: "string",
  metadata: "metadata",
  pending_invoice_items_behavior: { enum: ["include", "exclude"] },
} as const;

function createInvoice(state: StripeState, params: Params, origin: RequestOrigin): Invoice {
  const customer = customerOf(state, required<string>(params, "customer"), "customer");
  const taxEnabled = (params.automatic_tax as Params | undefined)?.enabled === true;
  if (taxEnabled && !customer.address?.country) {
    throw invalidRequest("The customer's location isn't recognized. Set a valid customer address in order to automatically calculate tax.", { code: "customer_tax_location_invalid", param: "automatic_tax[enabled]" });
  }
  const pending = [...state.invoiceItems.values()].filter((i) => i.customer === customer.id && i.invoice === null);
  const include = params.pending_invoice_items_behavior === "include";
  const currency = (params.currency as string | undefined) ?? (include ? pending[0]?.currency : undefined) ?? customer.currency ?? "usd";
  const now = unixNow();
  const invoice: Invoice = {
    id: newId("in"),
    object: "invoice",
    account_country: "US",
    amount_due: 0,
    amount_paid: 0,
    amount_remaining: 0,
    attempt_count: 0,
    attempted: false,
    auto_advance: (params.auto_advance as boolean | undefined) ?? false,
    automatic_tax: { enabled: taxEnabled, liability: taxEnabled ? { type: "self" } : null, status: taxEnabled ? "complete" : null },
    collection_method: "charge_automatically",
    created: now,
    currency,
    customer: customer.id,
    customer_address: customer.address,
    customer_email: customer.email,
    default_payment_method: (params.default_payment_method as string | undefined) ?? null,
    description: (params.description as string | undefined) ?? null,
    hosted_invoice_url: null,
    lines: { object: "list", data: [], has_more: false, total_count: 0, url: "" },
    livemode: false,
    metadata: (params.metadata as Record<string, string> | undefined) ?? {},
    number: null,
    period_end: now,
    period_start: now,
    status: "draft",
    status_transitions: { finalized_at: null, paid_at: null },
    subtotal: 0,
    total: 0,
    total_excluding_tax: 0,
    total_taxes: [],
  };
  if (include) {
    for (const item of pending) {
      if (item.currency !== currency) continue;
      item.invoice = invoice.id;
    }
  }
  state.invoices.set(invoice.id, invoice);
  recomputeInvoice(state, invoice);
  state.emit("invoice.created", invoice, origin);
  return invoice;
}

export function invoiceOf(state: StripeState, id: string): Invoice {
  const invoice = state.invoices.get(id);
  if (!invoice) throw noSuchResource("invoice", id);
  return invoice;
}

/** Draft → open with a number; a zero-amount invoice is paid on finalization, as on Stripe. */
function finalize(state: StripeState, invoice: Invoice, origin: RequestOrigin): Invoice {
  if (invoice.status !== "draft") throw invalidRequest(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`, { code: "invoice_not_editable" });
  recomputeInvoice(state, invoice);
  const customer = customerOf(state, invoice.customer);
  invoice.status = "open";
  invoice.number = state.nextInvoiceNumber(customer.invoice_prefix);
  invoice.status_transitions.finalized_at = unixNow();
  invoice.hosted_invoice_url = `${state.baseUrl()}/invoice/${invoice.id}`;
  state.emit("invoice.finalized", invoice, origin);
  if (invoice.amount_due === 0) markPaid(state, invoice, origin);
  return invoice;
}

function markPaid(state: StripeState, invoice: Invoice, origin: RequestOrigin): void {
  invoice.status = "paid";
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status_transitions.paid_at = unixNow();
  state.emit("invoice.paid", invoice, origin);
  state.emit("invoice.payment_succeeded", invoice, origin);
}

/** Charges the invoice's payment method (the parameter, the invoice's default, then the customer's invoice default). */
export function payInvoice(state: StripeState, invoice: Invoice, params: Params, origin: RequestOrigin): Invoice {
  if (invoice.status === "draft") finalize(state, invoice, origin);
  if (invoice.status === "paid") throw invalidRequest("Invoice is already paid", { code: "invoice_already_paid" });
  const pmId = (params.payment_method as string | undefined) ?? invoice.default_payment_method ?? customerOf(state, invoice.customer).invoice_settings.default_payment_method;
  if (!pmId) throw invalidRequest("This customer has no attached payment source or default payment method. Please consider adding a default payment method.", { code: "invoice_no_customer_payment_method" });
  const pm = resolvePaymentMethod(state, pmId, "payment_method");
  invoice.attempt_count += 1;
  invoice.attempted = true;
  const decline = declineOf(pm, "charge");
  if (decline) {
    state.emit("invoice.payment_failed", invoice, origin);
    decline.fields.payment_method = structuredClone(pm);
    throw decline;
  }
  markPaid(state, invoice, origin);
  return invoice;
}

export function invoiceRoutes(router: ApiRouter): void {
  router
    .post("/v1/invoices", (req, state) => ok(createInvoice(state, readParams(req.form, CREATE_SPEC), req.origin)))
    .get("/v1/invoices/:id", (req, state) => ok(invoiceOf(state, req.params.id!)))
    .get("/v1/invoices", (req, state) => {
      const params = readParams(req.form, { ...LIST_PARAMS, customer: "string", status: { enum: ["draft", "open", "paid", "uncollectible", "void"] } });
      const invoices = [...state.invoices.values()].filter((i) => (params.customer === undefined || i.customer === params.customer) && (params.status === undefined || i.status === params.status));
      return ok(listPage(invoices, params, "/v1/invoices", "invoice"));
    })
    .post("/v1/invoices/:id/finalize", (req, state) => ok(finalize(state, invoiceOf(state, req.params.id!), req.origin)))
    .post("/v1/invoices/:id/pay", (req, state) => ok(payInvoice(state, invoiceOf(state, req.params.id!), readParams(req.form, { payment_method: "string", off_session: "boolean" }), req.origin)));
}
