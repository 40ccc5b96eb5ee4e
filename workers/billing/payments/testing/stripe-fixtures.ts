import { env } from "cloudflare:workers";
import type Stripe from "stripe";
import { expect } from "vitest";
import { withPostgres } from "../../../../shared/pg/client.ts";
import { api, request, type Tenant } from "../../../../test/workers/api-client.ts";
import { billedTenant, operator } from "../../../../test/workers/billing-fixtures.ts";
import { rechargeIfLow } from "../auto-recharge.ts";
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

/** A prepaid USD tenant that saved `card` through Checkout (setup mode) and turned auto-recharge on. */
export async function rechargingTenant(card: string, opts: { credit: number; threshold: number; amount: number }): Promise<Tenant> {
  const t = await billedTenant({ mode: "prepaid", currency: "USD", credit_minor: opts.credit });
  const refused = await api(t.key).put("/v1/billing/auto-recharge", { enabled: true, amount_minor: opts.amount, threshold_minor: opts.threshold });
  expect(refused.status).toBe(409);
  expect((await checkoutCompleted(t.key, "/v1/billing/payment-method", undefined, card)).type).toBe("checkout.session.completed");
  expect((await api(t.key).get("/v1/billing")).json.payment_method_saved).toBe(true);
  const on = await api(t.key).put("/v1/billing/auto-recharge", { enabled: true, amount_minor: opts.amount, threshold_minor: opts.threshold });
  expect(on.status, on.text).toBe(200);
  expect(on.json).toEqual({ enabled: true, amount_minor: opts.amount, threshold_minor: opts.threshold });
  return t;
}

/** The auto-recharge check the usage consumer runs after a settlement. */
export const recharge = (accountId: string) => withPostgres(env, (db) => rechargeIfLow(env, stripe(), db, accountId));

/** An operator debit in USD, taking the balance down as a call's charge would. */
export const debit = (t: Tenant, amountMinor: number) =>
  operator("POST", `/v1/operator/accounts/${t.accountId}/postings`, { kind: "adjustment", direction: "debit", amount_minor: amountMinor, currency: "USD", reason: "usage correction" }, { "idempotency-key": crypto.randomUUID() });
