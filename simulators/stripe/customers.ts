import { newId, unixNow } from "./ids.ts";
import type { Address, Customer } from "./objects.ts";
import { readParams, type ParamSpec, type Params } from "./params.ts";
import { attachPaymentMethod, resolvePaymentMethod } from "./payment-methods.ts";
import { ok, type ApiRouter } from "./route-context.ts";
import type { StripeState } from "./state.ts";
import { invalidRequest, noSuchResource } from "./stripe-error.ts";

export const ADDRESS_SPEC = { line1: "string", line2: "string", city: "string", state: "string", postal_code: "string", country: "string" } as const;

const CUSTOMER_SPEC = {
  address: ADDRESS_SPEC,
  description: "string",
  email: "string",
  metadata: "metadata",
  name: "string",
  phone: "string",
  preferred_locales: { arrayOf: "string" },
  invoice_settings: { default_payment_method: "string" },
} as const satisfies Record<string, ParamSpec>;

export function customerOf(state: StripeState, id: string, param?: string): Customer {
  const customer = state.customers.get(id);
  if (!customer) throw noSuchResource("customer", id, param);
  return customer;
}

function toAddress(raw: Params): Address {
  const field = (key: string) => (typeof raw[key] === "string" ? (raw[key] as string) : null);
  return { line1: field("line1"), line2: field("line2"), city: field("city"), state: field("state"), postal_code: field("postal_code"), country: field("country")?.toUpperCase() ?? null };
}

/** Applies create/update parameters; the default payment method must already be attached to this customer. */
function apply(state: StripeState, customer: Customer, params: Params): void {
  for (const key of ["description", "email", "name", "phone"] as const) if (key in params) customer[key] = (params[key] as string) || null;
  if ("address" in params) customer.address = params.address ? toAddress(params.address as Params) : null;
  if ("preferred_locales" in params) customer.preferred_locales = params.preferred_locales as string[];
  if (params.metadata) customer.metadata = mergeMetadata(customer.metadata, params.metadata as Record<string, string>);
  const invoiceSettings = params.invoice_settings as Params | null | undefined;
  if (invoiceSettings && "default_payment_method" in invoiceSettings) {
    const pmId = invoiceSettings.default_payment_method as string;
    if (pmId === "") customer.invoice_settings.default_payment_method = null;
    else {
      const pm = state.paymentMethods.get(pmId);
      if (!pm || pm.customer !== customer.id) {
        throw invalidRequest(`No such PaymentMethod: '${pmId}'; It's possible this PaymentMethod exists on one of your connected accounts, or it is not attached to this customer.`, {
          code: "resource_missing",
          param: "invoice_settings[default_payment_method]",
        });
      }
      customer.invoice_settings.default_payment_method = pm.id;
    }
  }
}

/** Stripe merges metadata keys; an empty value deletes a key. */
export function mergeMetadata(current: Record<string, string>, update: Record<string, string>): Record<string, string> {
  const merged = { ...current, ...update };
  for (const [key, value] of Object.entries(update)) if (value === "") delete merged[key];
  return merged;
}

export function customerRoutes(router: ApiRouter): void {
  router
    .post("/v1/customers", (req, state) => {
      const params = readParams(req.form, { ...CUSTOMER_SPEC, payment_method: "string" });
      const customer: Customer = {
        id: newId("cus"),
        object: "customer",
        address: null,
        balance: 0,
        created: unixNow(),
        currency: null,
        default_source: null,
        delinquent: false,
        description: null,
        email: null,
        invoice_prefix: newId("x").slice(2, 10).toUpperCase(),
        invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
        livemode: false,
        metadata: {},
        name: null,
        phone: null,
        preferred_locales: [],
        shipping: null,
        tax_exempt: "none",
        test_clock: null,
      };
      // Creating with `payment_method` attaches it first, so invoice_settings may name it (or its test card id) in the same call.
      const pm = typeof params.payment_method === "string" ? resolvePaymentMethod(state, params.payment_method) : undefined;
      if (pm) attachPaymentMethod(pm, customer.id);
      const invoiceSettings = params.invoice_settings as Params | undefined;
      if (pm && invoiceSettings && invoiceSettings.default_payment_method === params.payment_method) invoiceSettings.default_payment_method = pm.id;
      state.customers.set(customer.id, customer);
      apply(state, customer, params);
      state.emit("customer.created", customer, req.origin);
      return ok(customer);
    })
    .get("/v1/customers/:id", (req, state) => ok(customerOf(state, req.params.id!)))
    .post("/v1/customers/:id", (req, state) => {
      const customer = customerOf(state, req.params.id!);
      apply(state, customer, readParams(req.form, CUSTOMER_SPEC));
      state.emit("customer.updated", customer, req.origin);
      return ok(customer);
    });
}
