import { customerOf } from "./customers.ts";
import { recomputeInvoice } from "./invoice-totals.ts";
import { newId, unixNow } from "./ids.ts";
import { currencyOf } from "./money.ts";
import type { InvoiceItem } from "./objects.ts";
import { LIST_PARAMS, readParams, required } from "./params.ts";
import { listPage } from "./list-page.ts";
import { ok, type ApiRouter } from "./route-context.ts";
import { invalidRequest, noSuchResource } from "./stripe-error.ts";

const CREATE_SPEC = { customer: "string", amount: "integer", currency: "string", description: "string", metadata: "metadata", invoice: "string" } as const;

export function invoiceItemRoutes(router: ApiRouter): void {
  router
    .post("/v1/invoiceitems", (req, state) => {
      const params = readParams(req.form, CREATE_SPEC);
      const customer = customerOf(state, required<string>(params, "customer"), "customer");
      // Invoice items may be negative (credits); Stripe requires an amount or a price, and this simulator has no prices.
      const amount = required<number>(params, "amount");
      const currency = currencyOf(required<string>(params, "currency"));
      let invoice: string | null = null;
      if (typeof params.invoice === "string") {
        const target = state.invoices.get(params.invoice);
        if (!target) throw noSuchResource("invoice", params.invoice, "invoice");
        if (target.status !== "draft") throw invalidRequest(`You can only add invoice items to draft invoices; ${target.id} is ${target.status}.`, { code: "invoice_not_editable", param: "invoice" });
        invoice = target.id;
      }
      const now = unixNow();
      const item: InvoiceItem = {
        id: newId("ii"),
        object: "invoiceitem",
        amount,
        created: now,
        currency,
        customer: customer.id,
        date: now,
        description: (params.description as string | undefined) ?? null,
        discountable: true,
        invoice,
        livemode: false,
        metadata: (params.metadata as Record<string, string> | undefined) ?? {},
        period: { start: now, end: now },
        proration: false,
        quantity: 1,
      };
      state.invoiceItems.set(item.id, item);
      if (invoice) recomputeInvoice(state, state.invoices.get(invoice)!);
      return ok(item);
    })
    .get("/v1/invoiceitems/:id", (req, state) => {
      const item = state.invoiceItems.get(req.params.id!);
      if (!item) throw noSuchResource("invoiceitem", req.params.id!);
      return ok(item);
    })
    .get("/v1/invoiceitems", (req, state) => {
      const params = readParams(req.form, { ...LIST_PARAMS, customer: "string", pending: "boolean" });
      const items = [...state.invoiceItems.values()].filter(
        (i) => (params.customer === undefined || i.customer === params.customer) && (params.pending === undefined || (i.invoice === null) === params.pending),
      );
      return ok(listPage(items, params, "/v1/invoiceitems", "invoiceitem"));
    });
}
