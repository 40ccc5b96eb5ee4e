import { createHash } from "node:crypto";
import { readParams, required } from "./params.ts";
import { ok, type ApiRouter } from "./route-context.ts";
import { newId, unixNow } from "./ids.ts";
import type { PaymentMethod } from "./objects.ts";
import type { StripeState } from "./state.ts";
import { StripeApiError, noSuchResource } from "./stripe-error.ts";
import { TEST_CARDS, type TestCard } from "./test-cards.ts";

/** Test cards behind minted PaymentMethods, so a charge knows whether it declines. */
const cardOf = new WeakMap<PaymentMethod, TestCard>();

/** Resolves a `payment_method` parameter: a test card id mints a new `pm_…`; a `pm_…` id must exist. */
export function resolvePaymentMethod(state: StripeState, id: string, param = "payment_method"): PaymentMethod {
  const existing = state.paymentMethods.get(id);
  if (existing) return existing;
  const card = TEST_CARDS[id];
  if (!card) throw noSuchResource("PaymentMethod", id, param);
  const pm: PaymentMethod = {
    id: newId("pm"),
    object: "payment_method",
    created: unixNow(),
    livemode: false,
    metadata: {},
    type: "card",
    customer: null,
    billing_details: { address: null, email: null, name: null, phone: null },
    card: {
      brand: card.brand,
      country: card.country,
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 3,
      fingerprint: createHash("sha256").update(id).digest("base64url").slice(0, 16),
      funding: card.funding,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
    },
  };
  cardOf.set(pm, card);
  state.paymentMethods.set(pm.id, pm);
  return pm;
}

/** The card error a decline answers with (HTTP 402, type card_error), or undefined when the card goes through. */
export function declineOf(pm: PaymentMethod, use: "attach" | "charge"): StripeApiError | undefined {
  const declines = cardOf.get(pm)?.declines;
  if (!declines || (use === "attach" && declines.when === "charge")) return undefined;
  return new StripeApiError(402, "card_error", declines.message, { code: "card_declined", decline_code: declines.declineCode });
}

/** Attaches to a customer, as Stripe does when saving a card: a card that declines at attach cannot be saved. */
export function attachPaymentMethod(pm: PaymentMethod, customerId: string): void {
  const decline = declineOf(pm, "attach");
  if (decline) throw decline;
  if (pm.customer && pm.customer !== customerId) {
    throw new StripeApiError(400, "invalid_request_error", "The payment method you provided has already been attached to a customer.", { code: "payment_method_already_attached" });
  }
  pm.customer = customerId;
}

/** `error.payment_method` and `last_payment_error` carry the card, as on Stripe. */
export function declineBody(error: StripeApiError, pm: PaymentMethod) {
  return { type: "card_error", code: "card_declined", decline_code: String(error.fields.decline_code), message: error.message, payment_method: structuredClone(pm) };
}

export function paymentMethodRoutes(router: ApiRouter): void {
  router
    .get("/v1/payment_methods/:id", (req, state) => {
      const pm = state.paymentMethods.get(req.params.id!);
      if (!pm) throw noSuchResource("PaymentMethod", req.params.id!);
      return ok(pm);
    })
    .post("/v1/payment_methods/:id/attach", (req, state) => {
      const params = readParams(req.form, { customer: "string" });
      const customer = required<string>(params, "customer");
      if (!state.customers.has(customer)) throw noSuchResource("customer", customer, "customer");
      const pm = resolvePaymentMethod(state, req.params.id!, "payment_method");
      attachPaymentMethod(pm, customer);
      state.emit("payment_method.attached", pm, req.origin);
      return ok(pm);
    });
}
