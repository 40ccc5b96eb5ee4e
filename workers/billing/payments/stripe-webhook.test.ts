import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../index.ts";
import { api, request } from "../../../test/workers/api-client.ts";
import { billedTenant } from "../../../test/workers/billing-fixtures.ts";
import { completeCheckout, deliver, eventAbout, signature, stripe } from "./testing/stripe-fixtures.ts";

const PROBLEMS = "https://docs.ayb.dev/problems/";

/** A paid top-up whose `checkout.session.completed` has not reached the Worker yet. */
async function paidTopUp(amountMinor: number) {
  const t = await billedTenant({ mode: "prepaid", currency: "USD", credit_minor: 0 });
  const created = await api(t.key).post("/v1/billing/top-ups", { amount_minor: amountMinor });
  expect((await completeCheckout(created.json.session_id)).status).toBe(200);
  return { t, event: await eventAbout("checkout.session.completed", created.json.session_id) };
}

const balance = async (key: string) => (await api(key).get("/v1/billing")).json.balance_minor;

describe("POST /stripe/webhook", () => {
  it("refuses a forged signature, a replay outside the 300 s tolerance and a missing header, before changing anything", async () => {
    const { t, event } = await paidTopUp(900);
    const refusals = [
      await deliver(event, { secret: "whsec_not_ours" }),
      await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      await request("POST", "/stripe/webhook", { body: JSON.stringify(event) }),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(res.json.type).toBe(`${PROBLEMS}stripe-signature-invalid`);
    }
    // A body changed after signing fails too: the signature covers the exact bytes.
    const payload = JSON.stringify(event, null, 2);
    const tampered = await request("POST", "/stripe/webhook", { body: payload.replace('"amount_total": 900', '"amount_total": 90000'), headers: { "stripe-signature": await signature(payload) } });
    expect(tampered.status).toBe(400);
    expect(await balance(t.key)).toBe(0);
    // Within the tolerance, the same event is accepted.
    expect((await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 240 })).status).toBe(200);
    expect(await balance(t.key)).toBe(900);
  });

  it("answers 200 to event types it does not use, and ignores them", async () => {
    const { t } = await paidTopUp(600);
    const [created] = (await stripe().events.list({ type: "payment_intent.created", limit: 1 })).data;
    const res = await deliver(created!);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ received: true, handled: false });
    expect(await balance(t.key)).toBe(0);
  });

  it("answers 503 while Postgres is down, so Stripe delivers the event again; the retry then credits it", async () => {
    const { t, event } = await paidTopUp(800);
    const payload = JSON.stringify(event, null, 2);
    const headers = { "content-type": "application/json", "stripe-signature": await signature(payload) };
    const down = { ...env, PG_WS_PROXY: "127.0.0.1:1/v1" };
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;
    const res = await worker.fetch(new Request("https://api.test/stripe/webhook", { method: "POST", headers, body: payload }), down, ctx);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { type: string }).type).toBe(`${PROBLEMS}billing-unavailable`);
    expect((await deliver(event)).status).toBe(200);
    expect(await balance(t.key)).toBe(800);
  });
});

