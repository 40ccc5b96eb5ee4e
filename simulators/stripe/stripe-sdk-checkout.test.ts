import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeSimulator, type StripeSimulator } from "./index.ts";
import { sdkFor, startWebhookReceiver, type WebhookReceiver } from "./test-support.ts";

const SECRET = "whsec_checkout_test_secret";
let sim: StripeSimulator;
let stripe: Stripe;
let hooks: WebhookReceiver;
beforeAll(async () => {
  hooks = await startWebhookReceiver();
  sim = await startStripeSimulator({ rateLimitPerSecond: 1000, webhookEndpoints: [{ url: hooks.url, secret: SECRET }] });
  stripe = sdkFor(sim);
});
afterAll(async () => {
  await sim.close();
  await hooks.close();
});

const complete = (id: string, payment_method: string) =>
  fetch(`${sim.url}/__control/checkout/${id}/complete`, { method: "POST", body: JSON.stringify({ payment_method }) });

describe("Checkout through the stripe SDK", () => {
  it("a payment session completed by the control route pays, saves the card, and sends verifiable signed events", async () => {
    const customer = await stripe.customers.create({ email: "owner@example.com", metadata: { tenant: "t1" } });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      customer: customer.id,
      success_url: "https://console.example/billing?session={CHECKOUT_SESSION_ID}",
      cancel_url: "https://console.example/billing",
      line_items: [{ quantity: 2, price_data: { currency: "usd", unit_amount: 1250, product_data: { name: "Voice credit" } } }],
      metadata: { top_up: "tu_1" },
      payment_intent_data: { setup_future_usage: "off_session" },
    });
    expect(session).toMatchObject({ object: "checkout.session", status: "open", payment_status: "unpaid", amount_total: 2500, livemode: false, payment_intent: null });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`${sim.url}/checkout/${session.id}`);

    const res = await complete(session.id, "pm_card_visa");
    expect(res.status).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({ status: "complete", payment_status: "paid", metadata: { top_up: "tu_1" } });
    const pi = await stripe.paymentIntents.retrieve(done.payment_intent as string);
    expect(pi).toMatchObject({ status: "succeeded", amount: 2500, amount_received: 2500, customer: customer.id });
    const pm = await stripe.paymentMethods.retrieve(pi.payment_method as string);
    expect(pm).toMatchObject({ customer: customer.id, card: { brand: "visa", last4: "4242" } });

    // Each event goes out on its own request, so they may arrive in either order.
    const received = await hooks.waitFor(
      (r) => r.some((h) => h.type === "checkout.session.completed" && h.payload.includes(session.id)) && r.some((h) => h.type === "payment_intent.succeeded" && h.payload.includes(pi.id)),
    );
    const hook = received.find((h) => h.type === "checkout.session.completed" && h.payload.includes(session.id))!;
    expect(hook.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = stripe.webhooks.constructEvent(hook.payload, hook.signature, SECRET);
    expect(event.type).toBe("checkout.session.completed");
    expect((event.data.object as Stripe.Checkout.Session).metadata).toEqual({ top_up: "tu_1" });
    const asyncEvent = await stripe.webhooks.constructEventAsync(hook.payload, hook.signature, SECRET, undefined, Stripe.createSubtleCryptoProvider());
    expect(asyncEvent.id).toBe(event.id);
    expect(() => stripe.webhooks.constructEvent(hook.payload, hook.signature, "whsec_wrong")).toThrow(Stripe.errors.StripeSignatureVerificationError);

    const listed = await stripe.events.list({ type: "checkout.session.completed" });
    expect(listed.data.map((e) => e.id)).toContain(event.id);
  });

  it("a setup session saves a card on the customer and emits setup_intent.succeeded", async () => {
    const customer = await stripe.customers.create({ email: "setup@example.com" });
    const session = await stripe.checkout.sessions.create({ mode: "setup", currency: "usd", customer: customer.id, success_url: "https://console.example/ok" });
    expect(session.payment_status).toBe("no_payment_required");
    expect((await complete(session.id, "pm_card_mastercard")).status).toBe(200);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    const si = await stripe.setupIntents.retrieve(done.setup_intent as string);
    expect(si).toMatchObject({ status: "succeeded", customer: customer.id, usage: "off_session" });
    const pm = await stripe.paymentMethods.retrieve(si.payment_method as string);
    expect(pm).toMatchObject({ customer: customer.id, card: { last4: "4444" } });
    const updated = await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    expect(updated.invoice_settings.default_payment_method).toBe(pm.id);
    await hooks.waitFor((r) => r.some((h) => h.type === "setup_intent.succeeded" && h.payload.includes(si.id)));
  });

  it("a declined card leaves the session open with a card error and payment_intent.payment_failed", async () => {
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      success_url: "https://console.example/ok",
      line_items: [{ quantity: 1, price_data: { currency: "eur", unit_amount: 500, product_data: { name: "Credit" } } }],
    });
    const res = await complete(session.id, "pm_card_chargeDeclined");
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({ error: { type: "card_error", code: "card_declined", decline_code: "generic_decline" } });
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
    const failed = await stripe.events.list({ type: "payment_intent.payment_failed", limit: 1 });
    expect(failed.data[0]!.data.object).toMatchObject({ amount: 500, currency: "eur", status: "requires_payment_method" });
  });

  it("the hosted page has a button a browser can submit; paying redirects to success_url with the session id", async () => {
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      success_url: "https://console.example/billing?session={CHECKOUT_SESSION_ID}",
      line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 2000, product_data: { name: "Credit" } } }],
    });
    const page = await fetch(session.url!);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain(`action="/checkout/${session.id}/complete"`);
    expect(html).toMatch(/<button[^>]*>Pay 20\.00 USD<\/button>/);
    const submitted = await fetch(`${sim.url}/checkout/${session.id}/complete`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "payment_method=pm_card_visa",
      redirect: "manual",
    });
    expect(submitted.status).toBe(303);
    expect(submitted.headers.get("location")).toBe(`https://console.example/billing?session=${session.id}`);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("complete");
  });
});
