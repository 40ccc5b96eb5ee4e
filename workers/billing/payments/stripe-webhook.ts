import { Hono } from "hono";
import Stripe from "stripe";
import { withPostgres } from "../../../shared/pg/client.ts";
import type { AppEnv } from "../../api/app-env.ts";
import { ApiError } from "../../api/problem.ts";
import { asBillingUnavailable } from "../billing-db.ts";
import { applyStripeEvent } from "./stripe-events.ts";
import { stripeClient } from "./stripe-client.ts";

/** Stripe's own default: a signature older (or newer) than five minutes is a replay, refused. */
export const SIGNATURE_TOLERANCE_S = 300;

const subtleCrypto = Stripe.createSubtleCryptoProvider();

/**
 * Checks `Stripe-Signature` (HMAC-SHA256 of `t.payload` with the endpoint's secret, `t` within the tolerance) and
 * parses the event. Anything else is a 400 `stripe-signature-invalid`, before any state is read.
 */
export async function verifiedStripeEvent(stripe: Stripe, secret: string, payload: string, header: string | undefined): Promise<Stripe.Event> {
  if (!header) throw new ApiError("stripe-signature-invalid", "the Stripe-Signature header is missing");
  try {
    return await stripe.webhooks.constructEventAsync(payload, header, secret, SIGNATURE_TOLERANCE_S, subtleCrypto);
  } catch (error) {
    throw new ApiError("stripe-signature-invalid", error instanceof Error ? error.message : String(error));
  }
}

/**
 * `POST /stripe/webhook`: Stripe's events about our payments. A 2xx tells Stripe the event is done with; while
 * Postgres is down the answer is a 503 and Stripe delivers it again later (with backoff, for days).
 */
export const stripeWebhookRoutes = new Hono<AppEnv>().post("/webhook", async (c) => {
  const stripe = stripeClient(c.env);
  const event = await verifiedStripeEvent(stripe, c.env.STRIPE_WEBHOOK_SECRET, await c.req.text(), c.req.header("stripe-signature"));
  const outcome = await asBillingUnavailable(() => withPostgres(c.env, (db) => applyStripeEvent(c.env, stripe, db, event)));
  return c.json({ received: true, event_id: event.id, ...outcome }, 200);
});
