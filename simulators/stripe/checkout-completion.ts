import { checkoutSessionOf, intentDataOf } from "./checkout-sessions.ts";
import type { CheckoutSession } from "./objects.ts";
import { confirmPaymentIntent, createPaymentIntent } from "./payment-intents.ts";
import { setUpCard } from "./setup-intents.ts";
import type { RequestOrigin, StripeState } from "./state.ts";
import { invalidRequest } from "./stripe-error.ts";

/**
 * What a customer's click on the hosted page does: pays (payment mode) or saves the card (setup mode) with the given
 * test card. Success completes the session and emits `checkout.session.completed` after the intent's own event; a
 * decline leaves the session open (the customer may try another card) and throws Stripe's card error.
 */
export function completeCheckoutSession(state: StripeState, id: string, paymentMethodId: string, origin: RequestOrigin): CheckoutSession {
  const session = checkoutSessionOf(state, id);
  if (session.status !== "open") throw invalidRequest(`This Checkout Session is ${session.status} and can no longer be completed.`, { code: "checkout_session_inactive" });
  const data = intentDataOf.get(session)!;
  if (session.mode === "payment") {
    const pi = createPaymentIntent(state, {
      amount: session.amount_total!,
      currency: session.currency!,
      customer: session.customer,
      description: data.description,
      metadata: data.metadata,
      setupFutureUsage: data.setupFutureUsage,
    });
    // Stripe creates the session's PaymentIntent when the customer pays, and announces it like any other.
    state.emit("payment_intent.created", pi, origin);
    session.payment_intent = pi.id;
    confirmPaymentIntent(state, pi, paymentMethodId, origin);
    session.payment_status = "paid";
  } else {
    const si = setUpCard(state, { customer: session.customer, metadata: data.metadata, description: data.description }, paymentMethodId, origin);
    session.setup_intent = si.id;
  }
  session.status = "complete";
  session.url = null;
  state.emit("checkout.session.completed", session, origin);
  return session;
}
