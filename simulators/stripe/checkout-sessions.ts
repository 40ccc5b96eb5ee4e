import { customerOf } from "./customers.ts";
import { newId, unixNow } from "./ids.ts";
import { chargeAmount, currencyOf } from "./money.ts";
import type { CheckoutLineItem, CheckoutSession, PaymentIntent } from "./objects.ts";
import { readParams, required, type Params } from "./params.ts";
import { ok, type ApiRouter } from "./route-context.ts";
import type { StripeState } from "./state.ts";
import { invalidRequest, noSuchResource } from "./stripe-error.ts";

const CREATE_SPEC = {
  mode: { enum: ["payment", "setup"] },
  line_items: {
    arrayOf: {
      price: "string",
      quantity: "integer",
      price_data: { currency: "string", unit_amount: "integer", product_data: { name: "string", description: "string", metadata: "metadata" } },
    },
  },
  success_url: "string",
  cancel_url: "string",
  currency: "string",
  customer: "string",
  customer_email: "string",
  client_reference_id: "string",
  metadata: "metadata",
  payment_method_types: { arrayOf: "string" },
  payment_intent_data: { setup_future_usage: { enum: ["off_session", "on_session"] }, description: "string", metadata: "metadata" },
  setup_intent_data: { description: "string", metadata: "metadata" },
  expires_at: "integer",
} as const;

/** What completing the session creates, kept beside the session (Stripe does not return it on the session object). */
export interface SessionIntentData {
  lineItems: CheckoutLineItem[];
  setupFutureUsage: PaymentIntent["setup_future_usage"];
  description: string | null;
  metadata: Record<string, string>;
}
export const intentDataOf = new WeakMap<CheckoutSession, SessionIntentData>();

function lineItemsOf(params: Params): CheckoutLineItem[] {
  const items = (params.line_items as Params[] | undefined) ?? [];
  if (items.length === 0) throw invalidRequest("You must provide at least one line item in `payment` mode.", { code: "parameter_missing", param: "line_items" });
  return items.map((item, i) => {
    if (typeof item.price === "string") throw noSuchResource("price", item.price, `line_items[${i}][price]`);
    const currency = currencyOf(required<string>(item, "price_data.currency"), `line_items[${i}][price_data][currency]`);
    const unitAmount = required<number>(item, "price_data.unit_amount");
    if (unitAmount < 0) throw invalidRequest("This value must be greater than or equal to 0.", { code: "parameter_invalid_integer", param: `line_items[${i}][price_data][unit_amount]` });
    const quantity = required<number>(item, "quantity");
    if (quantity < 1) throw invalidRequest("This value must be greater than or equal to 1.", { code: "parameter_invalid_integer", param: `line_items[${i}][quantity]` });
    return { name: required<string>(item, "price_data.product_data.name"), currency, unit_amount: unitAmount, quantity };
  });
}

function createSession(state: StripeState, params: Params): CheckoutSession {
  const mode = required<CheckoutSession["mode"]>(params, "mode");
  const successUrl = required<string>(params, "success_url");
  const customer = typeof params.customer === "string" ? customerOf(state, params.customer, "customer").id : null;
  let lineItems: CheckoutLineItem[] = [];
  let currency: string | null = typeof params.currency === "string" ? currencyOf(params.currency) : null;
  let total: number | null = null;
  if (mode === "payment") {
    lineItems = lineItemsOf(params);
    currency = lineItems[0]!.currency;
    if (lineItems.some((l) => l.currency !== currency)) throw invalidRequest("All line items must share one currency.", { param: "line_items" });
    total = chargeAmount(lineItems.reduce((sum, l) => sum + l.unit_amount * l.quantity, 0), currency, "line_items");
  } else if (params.line_items) {
    throw invalidRequest("You cannot pass `line_items` in `setup` mode.", { param: "line_items" });
  }
  if (mode === "setup" && params.payment_intent_data) throw invalidRequest("You cannot pass `payment_intent_data` in `setup` mode.", { param: "payment_intent_data" });
  const id = newId("cs_test");
  const created = unixNow();
  const intentData = (mode === "payment" ? params.payment_intent_data : params.setup_intent_data) as Params | undefined;
  const session: CheckoutSession = {
    id,
    object: "checkout.session",
    amount_subtotal: total,
    amount_total: total,
    cancel_url: (params.cancel_url as string | undefined) ?? null,
    client_reference_id: (params.client_reference_id as string | undefined) ?? null,
    created,
    currency,
    customer,
    customer_email: (params.customer_email as string | undefined) ?? null,
    expires_at: (params.expires_at as number | undefined) ?? created + 24 * 3600,
    livemode: false,
    metadata: (params.metadata as Record<string, string> | undefined) ?? {},
    mode,
    payment_intent: null,
    payment_method_types: (params.payment_method_types as string[] | undefined) ?? ["card"],
    payment_status: mode === "payment" ? "unpaid" : "no_payment_required",
    setup_intent: null,
    status: "open",
    success_url: successUrl,
    url: `${state.baseUrl()}/checkout/${id}`,
  };
  intentDataOf.set(session, {
    lineItems,
    setupFutureUsage: (intentData?.setup_future_usage as PaymentIntent["setup_future_usage"] | undefined) ?? null,
    description: (intentData?.description as string | undefined) ?? null,
    metadata: (intentData?.metadata as Record<string, string> | undefined) ?? {},
  });
  state.checkoutSessions.set(id, session);
  return session;
}

export function checkoutSessionOf(state: StripeState, id: string): CheckoutSession {
  const session = state.checkoutSessions.get(id);
  if (!session) throw noSuchResource("checkout.session", id);
  return session;
}

export function checkoutSessionRoutes(router: ApiRouter): void {
  router
    .post("/v1/checkout/sessions", (req, state) => ok(createSession(state, readParams(req.form, CREATE_SPEC))))
    .get("/v1/checkout/sessions/:id", (req, state) => ok(checkoutSessionOf(state, req.params.id!)));
}
