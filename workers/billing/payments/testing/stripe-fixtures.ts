import { env } from "cloudflare:workers";
import type Stripe from "stripe";
import { expect } from "vitest";
import { request } from "../../../../test/workers/api-client.ts";
import { stripeClient } from "../stripe-client.ts";

/**
 * The Stripe simulator as the tests reach it. No webhook endpoint is registered there (it cannot reach the Worker
 * under test): a test completes a session, then hands the simulator's own events to `/stripe/webhook`, signed as
 * Stripe signs them.
 */
export const stripe = (): Stripe => stripeClient(env);

/** Pays (or saves a card on) a Checkout session as a customer would on the hosted page. */
export async function completeCheckout(sessionId: string, paymentMethod = "pm_card_visa"): Promise<{ status: number; body: any }> {
  const res = await fetch(`${env.STRIPE_API_BASE_URL}/__control/checkout/${sessionId}/complete`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ payment_method: paymentMethod }),
  });
  return { status: res.status, body: await res.json() };
}

/** The simulator's newest event of `type` about the object `objectId`. */
export async function eventAbout(type: string, objectId: string): Promise<Stripe.Event> {
  const events = await stripe().events.list({ type, limit: 100 });
  const event = events.data.find((e) => (e.data.object as { id?: string }).id === objectId);
  expect(event, `a ${type} event about ${objectId}`).toBeDefined();
  return event!;
}

/** A `Stripe-Signature` over `payload` (as Stripe sends it), with the Worker's secret unless told otherwise. */
export const signature = (payload: string, opts: { secret?: string; timestamp?: number } = {}) =>
  stripe().webhooks.generateTestHeaderStringAsync({ payload, secret: opts.secret ?? env.STRIPE_WEBHOOK_SECRET, timestamp: opts.timestamp });

/** POSTs `event` to the Worker's Stripe webhook, pretty-printed and signed as Stripe delivers it. */
export async function deliver(event: Stripe.Event, opts: { secret?: string; timestamp?: number } = {}) {
  const payload = JSON.stringify(event, null, 2);
  return request("POST", "/stripe/webhook", { body: payload, headers: { "content-type": "application/json", "stripe-signature": await signature(payload, opts) } });
}

/** A Checkout session created through the API, completed on the simulator, and its completion delivered. */
export async function checkoutCompleted(key: string, path: string, body: unknown, paymentMethod?: string): Promise<Stripe.Event> {
  const created = await request("POST", path, { key, body });
  expect(created.status, created.text).toBe(201);
  const completed = await completeCheckout(created.json.session_id, paymentMethod);
  expect(completed.status, JSON.stringify(completed.body)).toBe(200);
  const event = await eventAbout("checkout.session.completed", created.json.session_id);
  const res = await deliver(event);
  expect(res.status, res.text).toBe(200);
  return event;
}
