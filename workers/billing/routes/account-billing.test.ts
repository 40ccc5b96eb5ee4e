import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createTenant } from "../../../test/workers/api-client.ts";
import { auditEntries, billedTenant, ensureDefaultPlan, gate, operator } from "../../../test/workers/billing-fixtures.ts";

const PROBLEMS = "https://docs.ayb.dev/problems/";

describe("account billing: bootstrap, operator settings, tenant read", () => {
  it("bootstraps a prepaid account with its billing side and opening credit, and the gate gets the balance", async () => {
    const t = await billedTenant({ mode: "prepaid", currency: "EUR", credit_minor: 2_500, time_zone: "Europe/Paris", low_balance_threshold_minor: 300 });
    const billing = await api(t.key).get("/v1/billing");
    expect(billing.status).toBe(200);
    expect(billing.json).toMatchObject({
      account_id: t.accountId,
      plan: "payg",
      currency: "EUR",
      mode: "prepaid",
      time_zone: "Europe/Paris",
      billing_status: "active",
      low_balance_threshold_minor: 300,
      balance_minor: 2_500,
      edge_snapshot: { balance_minor: 2_500, currency: "EUR", reserved_minor: 0, spendable_minor: 2_500 },
    });
    // An admitted call holds part of the balance until its charge is settled.
    expect((await gate(t.accountId).admit("CA-reserving", 5)).admitted).toBe(true);
    const held = (await api(t.key).get("/v1/billing")).json.edge_snapshot;
    expect(held.reserved_minor).toBeGreaterThan(0);
    expect(held.spendable_minor).toBe(2_500 - held.reserved_minor);
    const ledger = await api(t.key).get("/v1/billing/ledger");
    expect(ledger.json.data).toEqual([expect.objectContaining({ kind: "opening_balance", amount_minor: 2_500, balance_effect_minor: 2_500, source_type: "migration", source_id: t.accountId })]);
    expect(await gate(t.accountId).balance()).toMatchObject({ balanceMinor: 2_500, mode: "prepaid", lowBalanceThresholdMinor: 300 });
  });

  it("bootstrap refuses an unknown plan, a bad time zone or credit on a postpaid account, and creates nothing", async () => {
    await ensureDefaultPlan();
    const before = await env.DB.prepare("SELECT count(*) AS n FROM accounts").first<{ n: number }>();
    for (const [billing, path] of [
      [{ plan: "no-such-plan" }, "billing.plan"],
      [{ time_zone: "Mars/Olympus_Mons" }, "billing.time_zone"],
      [{ credit_minor: 100 }, "billing.credit_minor"],
      [{ currency: "JPY" }, "billing.currency"],
      [{ mode: "prepaid", credit_minor: -5 }, "billing.credit_minor"],
    ] as const) {
      const res = await operator("POST", "/v1/operator/accounts", { name: "Refused", owner_email: "refused@example.com", billing });
      expect(res.status, JSON.stringify(billing)).toBe(422);
      expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const after = await env.DB.prepare("SELECT count(*) AS n FROM accounts").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("the operator sets plan, mode, time zone, threshold and billing status; each change is audited and pushed to the gate", async () => {
    const t = await billedTenant();
    const plan = `plan-${crypto.randomUUID().slice(0, 8)}`;
    await operator("POST", "/v1/operator/plans", { id: plan, name: "Volume" });
    const res = await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, {
      plan,
      mode: "prepaid",
      time_zone: "America/New_York",
      low_balance_threshold_minor: 1_000,
      billing_status: "past_due",
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ account_id: t.accountId, plan, currency: "USD", mode: "prepaid", time_zone: "America/New_York", billing_status: "past_due", low_balance_threshold_minor: 1_000, auto_recharge: { enabled: false, amount_minor: null, threshold_minor: null }, payment_method_saved: false, country: null });
    expect(await gate(t.accountId).balance()).toMatchObject({ mode: "prepaid", billingStatus: "past_due", lowBalanceThresholdMinor: 1_000 });
    const audit = await auditEntries(t.accountId);
    expect(audit.at(-1)).toMatchObject({ actor: "operator", action: "PATCH /v1/operator/accounts/:id/billing", resource: t.accountId });
    expect(JSON.parse(audit.at(-1)!.detail!)).toEqual({ billing: { plan, mode: "prepaid", time_zone: "America/New_York", low_balance_threshold_minor: 1_000, billing_status: "past_due" } });
  });

  it("creates the billing side of an account that has none, and refuses bad settings with problem+json", async () => {
    await ensureDefaultPlan();
    const t = await createTenant();
    expect((await api(t.key).get("/v1/billing")).status).toBe(404);
    const created = await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, { currency: "GBP" });
    expect(created.json).toMatchObject({ plan: "payg", currency: "GBP", mode: "postpaid", time_zone: "UTC", billing_status: "active" });
    const bad = await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, { plan: "nope", time_zone: "Nowhere/Else", low_balance_threshold_minor: -1, billing_status: "closed" });
    expect(bad.status).toBe(422);
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["billing_status", "low_balance_threshold_minor", "time_zone"]);
    const unknownPlan = await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, { plan: "nope" });
    expect(unknownPlan.status).toBe(422);
    expect(unknownPlan.json).toMatchObject({ type: `${PROBLEMS}validation-error`, errors: [{ path: "plan", code: "unknown_plan" }] });
    const missing = await operator("PATCH", "/v1/operator/accounts/AYB-2222-2222-2222/billing", { mode: "prepaid" });
    expect(missing.status).toBe(404);
  });

  it("the currency cannot change once the account has postings", async () => {
    const t = await billedTenant({ mode: "prepaid", credit_minor: 100 });
    const res = await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, { currency: "EUR" });
    expect(res.status).toBe(409);
    expect(res.json.type).toBe(`${PROBLEMS}conflict`);
  });

  it("needs billing:read, and each tenant reads only its own billing", async () => {
    const a = await billedTenant({ mode: "prepaid", credit_minor: 700 });
    const b = await billedTenant({ mode: "prepaid", credit_minor: 40 });
    expect((await api(b.key).get("/v1/billing")).json).toMatchObject({ account_id: b.accountId, balance_minor: 40 });
    expect((await api(b.key).get("/v1/billing/ledger")).json.data.map((p: { amount_minor: number }) => p.amount_minor)).toEqual([40]);
    const limited = await api(a.key).post("/v1/api-keys", { name: "calls only", scopes: ["calls:read"] });
    expect(limited.status).toBe(201);
    for (const path of ["/v1/billing", "/v1/billing/ledger"]) {
      const res = await api(limited.json.key).get(path);
      expect(res.status).toBe(403);
      expect(res.json.type).toBe(`${PROBLEMS}forbidden`);
    }
  });
});
