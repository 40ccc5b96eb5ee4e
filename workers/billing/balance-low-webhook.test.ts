import { describe, expect, it } from "vitest";
import { api } from "../../test/workers/api-client.ts";
import { billedTenant, gate, operator } from "../../test/workers/billing-fixtures.ts";
import { createEndpoint, inbox, receiverUrl, received, verified } from "../webhooks/testing/webhook-fixtures.ts";

const debit = (accountId: string, amountMinor: number) =>
  operator("POST", `/v1/operator/accounts/${accountId}/postings`, { kind: "adjustment", direction: "debit", amount_minor: amountMinor, currency: "EUR", reason: "usage correction" }, { "idempotency-key": crypto.randomUUID() });

/** The ledger's balance crossing below the account's threshold reaches the tenant as a signed webhook, once per crossing. */
describe("billing.balance_low", () => {
  it("is delivered once when the balance crosses below the threshold, not again while it stays below", { timeout: 60_000 }, async () => {
    const t = await billedTenant({ mode: "prepaid", currency: "EUR", credit_minor: 2_500, low_balance_threshold_minor: 300 });
    const { tag, url } = receiverUrl();
    const endpoint = await createEndpoint(t.key, url, ["billing.balance_low"]);

    expect((await debit(t.accountId, 2_300)).status).toBe(201);
    const delivery = await received(tag, (e) => e.type === "billing.balance_low");
    expect(verified(delivery, endpoint.secret)).toMatchObject({ account_id: t.accountId, data: { balance_minor: 200, threshold_minor: 300, currency: "EUR" } });
    expect(await gate(t.accountId).lowBalanceEvents()).toEqual([expect.objectContaining({ balanceMinor: 200, deliveredAt: expect.any(String) })]);

    // Still below: no second event. A ping sent afterwards, and received, shows the window has passed.
    expect((await debit(t.accountId, 50)).status).toBe(201);
    expect((await api(t.key).post(`/v1/webhooks/endpoints/${endpoint.id}/ping`)).status).toBe(202);
    await received(tag, (e) => e.type === "ping");
    const types = (await inbox(tag)).deliveries.map((d) => JSON.parse(d.body).type);
    expect(types.filter((type) => type === "billing.balance_low")).toHaveLength(1);
  });
});
