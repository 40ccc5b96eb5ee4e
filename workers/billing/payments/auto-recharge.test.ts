import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withPostgres } from "../../../shared/pg/client.ts";
import { billingAccounts, paymentFailures } from "../../../shared/pg/schema.ts";
import { api } from "../../../test/workers/api-client.ts";
import { billedTenant, finishedCall, usageMessage } from "../../../test/workers/billing-fixtures.ts";
import { createEndpoint, inbox, receiverUrl, received, verified } from "../../webhooks/testing/webhook-fixtures.ts";
import { settleCall } from "../settlement.ts";
import { UsageMessage } from "../usage-message.ts";
import { completeCheckout, debit, deliver, eventAbout, recharge, rechargingTenant, stripe } from "./testing/stripe-fixtures.ts";

const balance = async (key: string) => (await api(key).get("/v1/billing")).json.balance_minor as number;

describe("auto-recharge", () => {
  it("charges the saved card once per crossing below the threshold; Stripe's webhook posts the top-up and re-arms it", async () => {
    const t = await rechargingTenant("pm_card_visa", { credit: 1_000, threshold: 500, amount: 2_000 });
    expect(await recharge(t.accountId)).toEqual({ kind: "above" });
    expect((await debit(t, 600)).status).toBe(201);
    const charged = await recharge(t.accountId);
    expect(charged).toMatchObject({ kind: "charged", paymentIntentId: expect.stringMatching(/^pi_/) });
    // Still below until the payment's webhook arrives: the same crossing is not charged twice.
    expect(await recharge(t.accountId)).toEqual({ kind: "already-recharged" });

    const paid = await eventAbout("payment_intent.succeeded", (charged as { paymentIntentId: string }).paymentIntentId);
    expect((await deliver(paid)).json).toMatchObject({ handled: true, detail: "top-up posted" });
    expect(await balance(t.key)).toBe(2_400);
    // The next crossing is a new one, charged again.
    expect((await debit(t, 2_000)).status).toBe(201);
    expect(await recharge(t.accountId)).toMatchObject({ kind: "charged" });
    expect(await recharge(t.accountId)).toEqual({ kind: "already-recharged" });
  });

  it("runs after a call's settlement takes the balance below the threshold", async () => {
    const t = await rechargingTenant("pm_card_visa", { credit: 1_000, threshold: 1_000, amount: 1_500 });
    const callId = await finishedCall(t.accountId);
    await withPostgres(env, (db) => settleCall(env, db, UsageMessage.parse(usageMessage(t.accountId, callId, 60))));
    const succeeded = (await stripe().events.list({ type: "payment_intent.succeeded", limit: 100 })).data.map((e) => e.data.object as { amount: number; currency: string; metadata: Record<string, string> });
    expect(succeeded.filter((pi) => pi.metadata.account_id === t.accountId)).toEqual([expect.objectContaining({ amount: 1_500, currency: "usd", metadata: { account_id: t.accountId, kind: "auto_recharge" } })]);
    expect(await recharge(t.accountId)).toEqual({ kind: "already-recharged" });
  });

  it("leaves auto-recharge off when the card is refused as it is saved (pm_card_chargeDeclined)", async () => {
    const t = await billedTenant({ mode: "prepaid", currency: "USD", credit_minor: 100 });
    const created = await api(t.key).post("/v1/billing/payment-method");
    expect((await completeCheckout(created.json.session_id, "pm_card_chargeDeclined")).status).toBe(402);
    expect((await api(t.key).get("/v1/billing")).json.payment_method_saved).toBe(false);
    expect(await recharge(t.accountId)).toEqual({ kind: "off" });
  });

  // pm_card_chargeCustomerFail saves, then declines every charge; pm_card_chargeDeclined (refused when saved) stands
  // in for a saved card that the bank starts declining.
  for (const card of ["pm_card_chargeCustomerFail", "pm_card_chargeDeclined"]) {
    it(`records a decline (${card}) once and emits billing.payment_failed`, { timeout: 60_000 }, async () => {
      const t = await rechargingTenant(card === "pm_card_chargeCustomerFail" ? card : "pm_card_visa", { credit: 1_000, threshold: 500, amount: 2_000 });
      if (card === "pm_card_chargeDeclined") await withPostgres(env, (db) => db.update(billingAccounts).set({ stripePaymentMethodId: card }).where(eq(billingAccounts.accountId, t.accountId)));
      const { tag, url } = receiverUrl();
      const endpoint = await createEndpoint(t.key, url, ["billing.payment_failed"]);
      expect((await debit(t, 600)).status).toBe(201);
      const declined = await recharge(t.accountId);
      expect(declined).toMatchObject({ kind: "declined", reason: expect.any(String) });
      const paymentIntentId = (declined as { paymentIntentId: string }).paymentIntentId;
      const delivery = await received(tag, (e) => e.type === "billing.payment_failed");
      expect(verified(delivery, endpoint.secret)).toMatchObject({ account_id: t.accountId, data: { amount_minor: 2_000, currency: "USD", reason: (declined as { reason: string }).reason } });

      // Stripe's own event about the same decline records nothing new and emits nothing more.
      const failed = await eventAbout("payment_intent.payment_failed", paymentIntentId);
      expect((await deliver(failed)).json).toMatchObject({ handled: true, detail: "payment failure already recorded" });
      expect(await recharge(t.accountId)).toEqual({ kind: "already-recharged" });
      const rows = await withPostgres(env, (db) => db.select().from(paymentFailures).where(eq(paymentFailures.accountId, t.accountId)));
      expect(rows).toEqual([expect.objectContaining({ paymentIntentId, amountMinor: 2_000, currency: "USD" })]);
      expect(await balance(t.key)).toBe(400);
      // A ping sent afterwards, and received, shows the window for a second payment_failed has passed.
      expect((await api(t.key).post(`/v1/webhooks/endpoints/${endpoint.id}/ping`)).status).toBe(202);
      await received(tag, (e) => e.type === "ping");
      expect((await inbox(tag)).deliveries.filter((d) => JSON.parse(d.body).type === "billing.payment_failed")).toHaveLength(1);
    });
  }
});
