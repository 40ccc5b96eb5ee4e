import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createTenant } from "../../../test/workers/api-client.ts";
import { auditEntries, billedTenant, gate, operator } from "../../../test/workers/billing-fixtures.ts";

const PROBLEMS = "https://docs.ayb.dev/problems/";
const post = (accountId: string, body: unknown, key: string | null = crypto.randomUUID()) =>
  operator("POST", `/v1/operator/accounts/${accountId}/postings`, body, key ? { "idempotency-key": key } : {});

describe("operator postings", () => {
  it("posts grants, refunds and adjustments either way on the right sides, audited, and the gate follows the balance", async () => {
    const t = await billedTenant({ mode: "prepaid", credit_minor: 1_000 });
    const grant = await post(t.accountId, { kind: "promotional_grant", amount_minor: 500, currency: "USD", reason: "launch promotion" });
    expect(grant.status).toBe(201);
    expect(grant.json).toMatchObject({ kind: "promotional_grant", debit: "promotions", credit: "customer_balance", balance_effect_minor: 500, source_type: "operator_request", reason: "launch promotion" });
    const refund = await post(t.accountId, { kind: "refund", amount_minor: 120, currency: "USD", reason: "dropped call" });
    expect(refund.json).toMatchObject({ debit: "revenue", credit: "customer_balance", balance_effect_minor: 120 });
    const down = await post(t.accountId, { kind: "adjustment", direction: "debit", amount_minor: 300, currency: "USD", reason: "duplicate grant" });
    expect(down.json).toMatchObject({ debit: "customer_balance", credit: "adjustments", balance_effect_minor: -300 });
    const up = await post(t.accountId, { kind: "adjustment", direction: "credit", amount_minor: 30, currency: "USD", reason: "rounding goodwill" });
    expect(up.json).toMatchObject({ debit: "adjustments", credit: "customer_balance", balance_effect_minor: 30 });

    expect((await api(t.key).get("/v1/billing")).json.balance_minor).toBe(1_000 + 500 + 120 - 300 + 30);
    expect(await gate(t.accountId).balance()).toMatchObject({ balanceMinor: 1_350, throughPostingId: up.json.id });
    const audited = (await auditEntries(t.accountId)).filter((e) => e.action === "POST /v1/operator/accounts/:id/postings");
    expect(audited.map((e) => [e.actor, JSON.parse(e.detail!).reason, JSON.parse(e.detail!).amount_minor])).toEqual([
      ["operator", "launch promotion", 500],
      ["operator", "dropped call", 120],
      ["operator", "duplicate grant", 300],
      ["operator", "rounding goodwill", 30],
    ]);
  });

  it("is idempotent on the Idempotency-Key: a retry posts nothing new, a key reused for another posting is refused", async () => {
    const t = await billedTenant({ mode: "prepaid", credit_minor: 100 });
    const body = { kind: "promotional_grant", amount_minor: 250, currency: "USD", reason: "retry me" };
    const first = await post(t.accountId, body, "grant-1");
    const replay = await post(t.accountId, body, "grant-1");
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json).toEqual(first.json);
    const other = await post(t.accountId, { ...body, amount_minor: 1 }, "grant-1");
    expect(other.status).toBe(422);
    expect(other.json.type).toBe(`${PROBLEMS}idempotency-key-reused`);
    const ledger = await api(t.key).get("/v1/billing/ledger");
    expect(ledger.json.data.map((p: { amount_minor: number }) => p.amount_minor)).toEqual([250, 100]);
  });

  it("after the stored response expired, the same key finds its posting (200) instead of posting again", async () => {
    const t = await billedTenant({ mode: "prepaid", credit_minor: 100 });
    const body = { kind: "refund", amount_minor: 40, currency: "USD", reason: "late retry" };
    const first = await post(t.accountId, body, "refund-late");
    await env.DB.prepare("DELETE FROM idempotency_keys WHERE key = 'refund-late'").run();
    const late = await post(t.accountId, body, "refund-late");
    expect(late.status).toBe(200);
    expect(late.json.id).toBe(first.json.id);
    expect((await api(t.key).get("/v1/billing")).json.balance_minor).toBe(140);
  });

  it("refuses postings without a reason, without a key, with amounts ≤ 0, another currency or an unknown kind", async () => {
    const t = await billedTenant({ mode: "prepaid", currency: "GBP", credit_minor: 100 });
    const cases: [unknown, string | null, string][] = [
      [{ kind: "refund", amount_minor: 10, currency: "GBP" }, crypto.randomUUID(), "reason"],
      [{ kind: "refund", amount_minor: 10, currency: "GBP", reason: "   " }, crypto.randomUUID(), "reason"],
      [{ kind: "refund", amount_minor: 0, currency: "GBP", reason: "zero" }, crypto.randomUUID(), "amount_minor"],
      [{ kind: "adjustment", direction: "debit", amount_minor: -5, currency: "GBP", reason: "negative" }, crypto.randomUUID(), "amount_minor"],
      [{ kind: "adjustment", amount_minor: 5, currency: "GBP", reason: "which way?" }, crypto.randomUUID(), "direction"],
      [{ kind: "refund", amount_minor: 10, currency: "USD", reason: "wrong currency" }, crypto.randomUUID(), "currency"],
      [{ kind: "refund", amount_minor: 10, currency: "XYZ", reason: "unknown currency" }, crypto.randomUUID(), "currency"],
      [{ kind: "call_charge", amount_minor: 10, currency: "GBP", reason: "not an operator kind" }, crypto.randomUUID(), "kind"],
      [{ kind: "refund", amount_minor: 10, currency: "GBP", reason: "no key" }, null, "header.Idempotency-Key"],
    ];
    for (const [body, key, path] of cases) {
      const res = await post(t.accountId, body, key);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await api(t.key).get("/v1/billing/ledger")).json.data).toHaveLength(1);
  });

  it("404s for an unknown account or one without a billing side; a tenant cannot post", async () => {
    const t = await billedTenant();
    expect((await post("AYB-2222-2222-2222", { kind: "refund", amount_minor: 1, currency: "USD", reason: "x" })).status).toBe(404);
    const bare = await createTenant();
    expect((await post(bare.accountId, { kind: "refund", amount_minor: 1, currency: "USD", reason: "x" })).status).toBe(404);
    const asTenant = await api(t.key).post(`/v1/operator/accounts/${t.accountId}/postings`, { kind: "refund", amount_minor: 1, currency: "USD", reason: "x" }, { "idempotency-key": "t-1" });
    expect(asTenant.status).toBe(401);
  });

  it("pages the ledger newest first with the cursor", async () => {
    const t = await billedTenant({ mode: "prepaid", credit_minor: 1 });
    for (const amount of [2, 3, 4]) await post(t.accountId, { kind: "promotional_grant", amount_minor: amount, currency: "USD", reason: "paging" });
    const first = await api(t.key).get("/v1/billing/ledger?limit=3");
    expect(first.json.data.map((p: { amount_minor: number }) => p.amount_minor)).toEqual([4, 3, 2]);
    const second = await api(t.key).get(`/v1/billing/ledger?limit=3&cursor=${first.json.next_cursor}`);
    expect(second.json).toMatchObject({ data: [expect.objectContaining({ amount_minor: 1, kind: "opening_balance" })], next_cursor: null });
    const bad = await api(t.key).get("/v1/billing/ledger?cursor=nonsense");
    expect(bad.status).toBe(422);
  });
});
