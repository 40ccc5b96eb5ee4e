import { randomBytes } from "node:crypto";
import { newId, unixNow } from "./ids.ts";
import type { SetupIntent } from "./objects.ts";
import { attachPaymentMethod, declineBody, declineOf, resolvePaymentMethod } from "./payment-methods.ts";
import { ok, type ApiRouter } from "./route-context.ts";
import type { RequestOrigin, StripeState } from "./state.ts";
import { noSuchResource } from "./stripe-error.ts";

/**
 * Saves a card for later: the card is verified (a card that declines at attach fails, with `setup_intent.setup_failed`
 * and Stripe's 402 card error), attached to the customer, and the SetupIntent succeeds with `setup_intent.succeeded`.
 */
export function setUpCard(state: StripeState, opts: { customer: string | null; metadata: Record<string, string>; description: string | null }, paymentMethodId: string, origin: RequestOrigin): SetupIntent {
  const id = newId("seti");
  const si: SetupIntent = {
    id,
    object: "setup_intent",
    client_secret: `${id}_secret_${randomBytes(12).toString("hex")}`,
    created: unixNow(),
    customer: opts.customer,
    description: opts.description,
    last_setup_error: null,
    livemode: false,
    metadata: opts.metadata,
    payment_method: null,
    payment_method_types: ["card"],
    status: "requires_payment_method",
    usage: "off_session",
  };
  state.setupIntents.set(si.id, si);
  const pm = resolvePaymentMethod(state, paymentMethodId);
  const decline = declineOf(pm, "attach");
  if (decline) {
    si.last_setup_error = declineBody(decline, pm);
    state.emit("setup_intent.setup_failed", si, origin);
    decline.fields.setup_intent = structuredClone(si);
    throw decline;
  }
  if (si.customer) attachPaymentMethod(pm, si.customer);
  si.payment_method = pm.id;
  si.status = "succeeded";
  state.emit("setup_intent.succeeded", si, origin);
  return si;
}

export function setupIntentRoutes(router: ApiRouter): void {
  router.get("/v1/setup_intents/:id", (req, state) => {
    const si = state.setupIntents.get(req.params.id!);
    if (!si) throw noSuchResource("setupintent", req.params.id!);
    return ok(si);
  });
}
