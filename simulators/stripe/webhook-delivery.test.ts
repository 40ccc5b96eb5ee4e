import { createHmac } from "node:crypto";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startStripeSimulator, type StripeSimulator } from "./index.ts";
import { sdkFor, startWebhookReceiver, type WebhookReceiver } from "./test-support.ts";
import { RETRY_DELAYS_MS } from "./webhook-dispatcher.ts";

let sim: StripeSimulator;
let stripe: Stripe;
let hooks: WebhookReceiver;
let secret: string;
beforeAll(async () => {
  hooks = await startWebhookReceiver();
  // Stripe's first retry comes a minute after a failure; at this speed a minute is 6 ms.
  sim = await startStripeSimulator({ speed: 10_000, rateLimitPerSecond: 1000 });
  const res = await fetch(`${sim.url}/__control/webhook-endpoints`, { method: "POST", body: JSON.stringify({ url: hooks.url, enabled_events: ["customer.created"] }) });
  expect(res.status).toBe(201);
  ({ secret } = (await res.json()) as { secret: string });
  stripe = sdkFor(sim);
});
afterAll(async () => {
  await sim.close();
  await hooks.close();
});

type Attempt = { eventId: string; attempt: number; status: number };

/** Polls the control API until `count` attempts for the event are recorded (deadline 20 s). */
const deliveriesOf = (eventId: string, count: number): Promise<Attempt[]> =>
  vi.waitFor(
    async () => {
      const { attempts } = (await (await fetch(`${sim.url}/__control/webhook-deliveries`)).json()) as { attempts: Attempt[] };
      const ours = attempts.filter((a) => a.eventId === eventId);
      if (ours.length < count) throw new Error(`${ours.length} of ${count} attempts so far`);
      return ours;
    },
    { timeout: 20_000, interval: 10 },
  );

describe("webhook delivery", () => {
  it("signs t.payload with HMAC-SHA256 under the endpoint's whsec_ secret", async () => {
    expect(secret).toMatch(/^whsec_/);
    const customer = await stripe.customers.create({ email: "signed@example.com" });
    const [hook] = await hooks.waitFor((r) => r.some((h) => h.payload.includes(customer.id)));
    const { t, v1 } = Object.fromEntries(hook!.signature.split(",").map((kv) => kv.split("="))) as { t: string; v1: string };
    expect(v1).toBe(createHmac("sha256", secret).update(`${t}.${hook!.payload}`).digest("hex"));
    expect(JSON.parse(hook!.payload)).toMatchObject({ object: "event", type: "customer.created", livemode: false, data: { object: { id: customer.id } } });
  });

  it("retries with backoff after receiver failures until one succeeds, and only sends enabled event types", async () => {
    let failuresLeft = 2;
    hooks.status = () => (failuresLeft-- > 0 ? 500 : 200);
    const customer = await stripe.customers.create({ email: "retry@example.com" });
    await stripe.customers.update(customer.id, { name: "Not delivered" });
    const received = await hooks.waitFor((r) => r.filter((h) => h.payload.includes(customer.id)).length === 3);
    const ours = received.filter((h) => h.payload.includes(customer.id));
    expect(new Set(ours.map((h) => JSON.parse(h.payload).id)).size).toBe(1);
    const eventId = JSON.parse(ours[0]!.payload).id as string;
    // The receiver has answered the third attempt; the simulator records it once that answer arrives.
    const attempts = await deliveriesOf(eventId, 3);
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect((await stripe.events.retrieve(eventId)).pending_webhooks).toBe(0);
    // customer.updated is not enabled on this endpoint: the event exists, but nothing was sent for it.
    const updated = await stripe.events.list({ type: "customer.updated", limit: 1 });
    expect(updated.data[0]!.pending_webhooks).toBe(0);
    expect(received.some((h) => h.type === "customer.updated")).toBe(false);
    expect(RETRY_DELAYS_MS[0]).toBe(60_000);
  });
});

describe("control API", () => {
  it("refuses a webhook endpoint without an http(s) URL or with a secret that is not whsec_", async () => {
    const post = (body: unknown) => fetch(`${sim.url}/__control/webhook-endpoints`, { method: "POST", body: JSON.stringify(body) });
    expect((await post({ url: "ftp://example.com" })).status).toBe(400);
    expect((await post({ url: hooks.url, secret: "not-a-secret" })).status).toBe(400);
    expect((await fetch(`${sim.url}/__control/checkout/cs_test_missing/complete`, { method: "POST", body: "{}" })).status).toBe(404);
  });
});
