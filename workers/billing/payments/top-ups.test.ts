import { describe, expect, it } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { billedTenant, gate } from "../../../test/workers/billing-fixtures.ts";
import { checkoutCompleted, completeCheckout, deliver, eventAbout } from "./testing/stripe-fixtures.ts";

const PROBLEMS = "https://docs.ayb.dev/problems/";

const ledger = async (key: string) => (await api(key).get("/v1/billing/ledger")).json.data as { kind: string; amount_minor: number; source_type: string; source_id: string }[];

describe("prepaid top-ups through Stripe Checkout", () => {
  it("credits the balance once the simulated Checkout is paid and its webhook arrives; the gate's snapshot follows", async () => {
    const t = await billedTenant({ mode: "prepaid", currency: "EUR", credit_minor: 1_000 });
    const created = await api(t.key).post("/v1/billing/top-ups", { amount_minor: 2_500 });
    expect(created.status, created.text).toBe(201);
    expect(created.json.checkout_url).toMatch(/\/checkout\/cs_test_/);
    expect(created.json.session_id).toMatch(/^cs_test_/);

    const completed = await completeCheckout(created.json.session_id);
    expect(completed.status).toBe(200);
    const paymentIntent = completed.body.payment_intent as string;
    expect((await api(t.key).get("/v1/billing")).json.balance_minor).toBe(1_000);

    const event = await eventAbout("checkout.session.completed", created.json.session_id);
    const res = await deliver(event);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ received: true, handled: true, detail: "top-up posted" });
    expect((await ledger(t.key))[0]).toMatchObject({ kind: "top_up", amount_minor: 2_500, source_type: "payment_event", source_id: paymentIntent });
    expect((await api(t.key).get("/v1/billing")).json).toMatchObject({ balance_minor: 3_500, edge_snapshot: { balance_minor: 3_500, currency: "EUR" } });
    expect(await gate(t.accountId).balance()).toMatchObject({ balanceMinor: 3_500 });
  });

  it("changes nothing on a duplicate event: the same event again, or Stripe's other event about the same payment", async () => {
    const t = await billedTenant({ mode: "prepaid", currency: "USD", credit_minor: 0 });
    const completion = await checkoutCompleted(t.key, "/v1/billing/top-ups", { amount_minor: 700, currency: "USD" });
    const paymentIntent = (completion.data.object as { payment_intent: string }).payment_intent;
    expect((await deliver(completion)).json).toMatchObject({ handled: true, detail: "top-up already posted" });
    const succeeded = await eventAbout("payment_intent.succeeded", paymentIntent);
    expect(succeeded.id).not.toBe(completion.id);
    expect((await deliver(succeeded)).json).toMatchObject({ handled: true, detail: "top-up already posted" });
    expect((await ledger(t.key)).filter((p) => p.kind === "top_up")).toHaveLength(1);
    expect((await api(t.key).get("/v1/billing")).json.balance_minor).toBe(700);
  });

  it("refuses a top-up below the minimum, above the maximum, in another currency, or on a postpaid account", async () => {
    const t = await billedTenant({ mode: "prepaid", currency: "GBP", credit_minor: 100 });
    const small = await api(t.key).post("/v1/billing/top-ups", { amount_minor: 499 });
    expect(small.status).toBe(422);
    expect(small.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(small.json).toMatchObject({ type: `${PROBLEMS}validation-error`, errors: [expect.objectContaining({ path: "amount_minor", message: expect.stringContaining("at least 500") })] });
    expect((await api(t.key).post("/v1/billing/top-ups", { amount_minor: 100_000_000 })).json.errors[0].path).toBe("amount_minor");
    const currency = await api(t.key).post("/v1/billing/top-ups", { amount_minor: 1_000, currency: "USD" });
    expect(currency.status).toBe(422);
    expect(currency.json.errors).toEqual([expect.objectContaining({ path: "currency", code: "currency_mismatch" })]);
    const postpaid = await billedTenant({ mode: "postpaid" });
    expect((await api(postpaid.key).post("/v1/billing/top-ups", { amount_minor: 1_000 })).json).toMatchObject({ status: 409, type: `${PROBLEMS}conflict` });
    expect(await ledger(t.key)).toHaveLength(1);
  });

  it("needs billing:write, and a tenant's payment credits only its own account", async () => {
    const a = await billedTenant({ mode: "prepaid", currency: "USD", credit_minor: 0 });
    const b = await billedTenant({ mode: "prepaid", currency: "USD", credit_minor: 0 });
    const reader = await api(a.key).post("/v1/api-keys", { name: "reader", scopes: ["billing:read"] });
    for (const path of ["/v1/billing/top-ups", "/v1/billing/payment-method"]) {
      const refused = await api(reader.json.key).post(path, { amount_minor: 1_000 });
      expect(refused.status, path).toBe(403);
      expect(refused.json.required_scope).toBe("billing:write");
    }
    await checkoutCompleted(a.key, "/v1/billing/top-ups", { amount_minor: 1_000 });
    expect((await api(a.key).get("/v1/billing")).json.balance_minor).toBe(1_000);
    expect((await api(b.key).get("/v1/billing")).json.balance_minor).toBe(0);
    expect(await ledger(b.key)).toEqual([]);
  });
});
