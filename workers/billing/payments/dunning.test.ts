import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { gate } from "../../../test/workers/billing-fixtures.ts";
import { DUNNING_GRACE_DAYS, suspendOverdueAccounts } from "./dunning.ts";
import { checkoutCompleted, debit, recharge, rechargingTenant } from "./testing/stripe-fixtures.ts";

const DAY_MS = 86_400_000;
const status = async (key: string) => (await api(key).get("/v1/billing")).json.billing_status as string;

describe("dunning", () => {
  it("a declined auto-recharge makes the account past due, the grace period's end suspends its calls, and a payment restores it", { timeout: 60_000 }, async () => {
    const t = await rechargingTenant("pm_card_chargeCustomerFail", { credit: 1_000, threshold: 500, amount: 2_000 });
    expect((await debit(t, 600)).status).toBe(201);
    expect(await recharge(t.accountId)).toMatchObject({ kind: "declined" });
    expect(await status(t.key)).toBe("past_due");
    expect(await gate(t.accountId).balance()).toMatchObject({ billingStatus: "past_due" });
    // Still within the grace period: calls go through.
    expect((await gate(t.accountId).admit("CA-dunning-1", 5)).admitted).toBe(true);
    await suspendOverdueAccounts(env, new Date(Date.now() + (DUNNING_GRACE_DAYS - 1) * DAY_MS));
    expect(await status(t.key)).toBe("past_due");

    const run = await suspendOverdueAccounts(env, new Date(Date.now() + (DUNNING_GRACE_DAYS + 1) * DAY_MS));
    expect(run.suspended).toBeGreaterThanOrEqual(1);
    expect(await status(t.key)).toBe("suspended_for_billing");
    expect(await gate(t.accountId).admit("CA-dunning-2", 5)).toMatchObject({ admitted: false, reason: "billing_suspended" });

    // The tenant pays by hand with another card: active again, and the gate admits calls.
    await checkoutCompleted(t.key, "/v1/billing/top-ups", { amount_minor: 3_000 });
    expect((await api(t.key).get("/v1/billing")).json).toMatchObject({ billing_status: "active", balance_minor: 3_400 });
    expect((await gate(t.accountId).admit("CA-dunning-3", 5)).admitted).toBe(true);
  });
});
