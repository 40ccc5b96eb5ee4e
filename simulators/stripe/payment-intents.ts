import { randomBytes } from "node:crypto";
import { customerOf } from "./customers.ts";
import { newId, unixNow } from "./ids.ts";
import { chargeAmount, currencyOf } from "./money.ts";
import type { PaymentIntent } from "./objects.ts";
import { readParams, required, type Params } from "./params.ts";
import { attachPaymentMethod, declineBody, declineOf, resolvePaymentMethod } from "./payment-methods.ts";
import { ok, type ApiRouter } from "./route-context.ts";
import type { RequestOrigin, StripeState } from "./state.ts";
import { invalidRequest, noSuchResource } from "./stripe-error.ts";

const USAGE = { enum: ["off_session", "on_session"] } as const;

const CREATE_SPEC = {
  amount: "integer",
  currency: "string",
  customer: "string",
  description: "string",
  metadata: "metadata",
  payment_method: "string",
  payment_method_types: { arrayOf: "string" },
  setup_future_usage: USAGE,
  confirm: "boolean",
  off_session: "boolean",
} as const;

const CONFIRM_SPEC = { payment_method: "string", off_session: "boolean" } as const;

export interface NewPaymentIntent {
  amount: number;
  currency: string;
  customer: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
  setupFutureUsage?: PaymentIntent["setup_future_usage"];
  paymentMethodTypes?: string[];
}

export function createPaymentIntent(state: StripeState, opts: NewPaymentIntent): PaymentIntent {
  const id = newId("pi");
  const pi: PaymentIntent = {
    id,
    object: "payment_intent",
    amount: opts.amount,
    amount_capturable: 0,
    amount_received: 0,
    canceled_at: null,
    capture_method: "automatic",
    client_secret: `${id}_secret_${randomBytes(12).toString("hex")}`,
    confirmation_method: "automatic",
    created: unixNow(),
    currency: opts.currency,
    customer: opts.customer,
    description: opts.description ?? null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: opts.metadata ?? {},
    next_action: null,
    payment_method: null,
    payment_method_types: opts.paymentMethodTypes ?? ["card"],
    setup_future_usage: opts.setupFutureUsage ?? null,
    status: "requires_payment_method",
  };
  state.paymentIntents.set(pi.id, pi);
  return pi;
}

/**
 * Charges the PaymentIntent's card. A decline leaves it `requires_payment_method` with `last_payment_error`, emits
 * `payment_intent.payment_failed` and throws Stripe's 402 card error carrying the PaymentIntent; success emits
 * `payment_intent.succeeded` and, with `setup_future_usage`, saves the card on the customer.
 */
export function confirmPaymentIntent(state: StripeState, pi: PaymentIntent, paymentMethodId: string, origin: RequestOrigin): PaymentIntent {
  if (pi.status === "succeeded") {
    throw invalidRequest("This PaymentIntent's payment_method could not be updated because it has a status of succeeded. You may only update the payment_method of a PaymentIntent with one of the following statuses: requires_payment_method, requires_confirmation, requires_action.", {
      code: "payment_intent_unexpected_state",
    });
  }
  const pm = resolvePaymentMethod(state, paymentMethodId);
  pi.latest_charge = newId("ch");
  const decline = declineOf(pm, "charge");
  if (decline) {
    pi.status = "requires_payment_method";
    pi.payment_method = null;
    pi.last_payment_error = declineBody(decline, pm);
    state.emit("payment_intent.payment_failed", pi, origin);
    decline.fields.charge = pi.latest_charge;
    decline.fields.payment_intent = structuredClone(pi);
    decline.fields.payment_method = structuredClone(pm);
    throw decline;
  }
  if (pi.setup_future_usage && pi.customer) attachPaymentMethod(pm, pi.customer);
  pi.payment_method = pm.id;
  pi.status = "succeeded";
  pi.amount_received = pi.amount;
  pi.last_payment_error = null;
  state.emit("payment_intent.succeeded", pi, origin);
  return pi;
}

function paymentIntentOf(state: StripeState, id: string): PaymentIntent {
  const pi = state.paymentIntents.get(id);
  if (!pi) throw noSuchResource("payment_intent", id);
  return pi;
}

function createFromParams(state: StripeState, params: Params, origin: RequestOrigin): PaymentIntent {
  const currency = currencyOf(required<string>(params, "currency"));
  const amount = chargeAmount(required<number>(params, "amount"), currency);
  const customer = typeof params.customer === "string" ? customerOf(state, params.customer, "customer").id : null;
  if (params.off_session && !params.confirm) throw invalidRequest("off_session can only be used when confirm=true.", { param: "off_session" });
  const pi = createPaymentIntent(state, {
    amount,
    currency,
    customer,
    description: (params.description as string | undefined) ?? null,
    metadata: (params.metadata as Record<string, string> | undefined) ?? {},
    setupFutureUsage: (params.setup_future_usage as PaymentIntent["setup_future_usage"] | undefined) ?? null,
    ...(params.payment_method_types ? { paymentMethodTypes: params.payment_method_types as string[] } : {}),
  });
  state.emit("payment_intent.created", pi, origin);
  if (typeof params.payment_method !== "string") return pi;
  if (!params.confirm) {
    pi.payment_method = resolvePaymentMethod(state, params.payment_method).id;
    pi.status = "requires_confirmation";
    return pi;
  }
  return confirmPaymentIntent(state, pi, params.payment_method, origin);
}

export function paymentIntentRoutes(router: ApiRouter): void {
  router
    .post("/v1/payment_intents", (req, state) => ok(createFromParams(state, readParams(req.form, CREATE_SPEC), req.origin)))
    .get("/v1/payment_intents/:id", (req, state) => ok(paymentIntentOf(state, req.params.id!)))
    .post("/v1/payment_intents/:id/confirm", (req, state) => {
      const pi = paymentIntentOf(state, req.params.id!);
      const params = readParams(req.form, CONFIRM_SPEC);
      const pmId = (params.payment_method as string | undefined) ?? pi.payment_method;
      if (!pmId) throw invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method.", { code: "payment_intent_unexpected_state" });
      return ok(confirmPaymentIntent(state, pi, pmId, req.origin));
    });
}
