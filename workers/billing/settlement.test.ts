import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { pushBalanceSnapshot } from "../../shared/billing/balance-snapshot.ts";
import { withPostgres } from "../../shared/pg/client.ts";
import { postOnce } from "../../shared/pg/ledger-postings.ts";
import { callCharges, CURRENCIES, ledgerPostings, rateCards } from "../../shared/pg/schema.ts";
import { billingAccount, finishedCall, usageMessage } from "../../test/workers/billing-fixtures.ts";
import { createTenant } from "../../test/workers/api-client.ts";
import { priceCall } from "./pricing.ts";
import { settleCall } from "./settlement.ts";
import { UsageMessage } from "./usage-message.ts";

const HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

const settle = (body: unknown) => withPostgres(env, (db) => settleCall(env, db, UsageMessage.parse(body)));
const postings = (accountId: string) => withPostgres(env, (db) => db.select().from(ledgerPostings).where(eq(ledgerPostings.accountId, accountId)));
const charges = (accountId: string) => withPostgres(env, (db) => db.select().from(callCharges).where(eq(callCharges.accountId, accountId)));
const d1Call = (callId: string) => env.DB.prepare("SELECT cost FROM calls WHERE id = ?").bind(callId).first<{ cost: string | null }>();
const usageRecords = (callId: string) => env.DB.prepare("SELECT id, duration_seconds FROM usage_events WHERE call_id = ?").bind(callId).all();
const gate = (accountId: string) => env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));
const gateBalance = (accountId: string) => gate(accountId).balance();

describe("settlement", () => {
  it("prices the call by component from its D1 row and usage, posts one charge, settles the call's reservation and copies the cost to D1", async () => {
    const t = await createTenant();
    await billingAccount(t.accountId, "prepaid");
    await withPostgres(env, (db) => postOnce(db, { accountId: t.accountId, kind: "top_up", debit: "payments", credit: "customer_balance", amountMinor: 1_000, currency: "USD", sourceType: "payment_event", sourceId: `pi_${t.accountId}` }));
    const callId = await finishedCall(t.accountId, { recordingSid: "RE" + "1".repeat(32), recordingStatus: "completed", recordingDurationSeconds: 45 });
    // While it ran, the call held a reservation of the prepaid balance in the account's gate.
    await pushBalanceSnapshot(env, t.accountId);
    expect((await gate(t.accountId).admit(callId, 5)).admitted).toBe(true);
    await gate(t.accountId).release(callId);
    expect((await gate(t.accountId).credit())!.reservedMinor).toBeGreaterThan(0);
    const message = usageMessage(t.accountId, callId, 61, { stt_seconds: 50.5, tts_characters: 1_000, llm: { [HAIKU]: { input_tokens: 12_000, output_tokens: 800, cache_read_tokens: 0, cache_write_tokens: 0, requests: 3 } } });

    const settled = await settle(message);
    expect(settled.kind).toBe("charged");
    const lines = [
      // Twilio's 61 billed seconds are two minutes; the recording's own 45 s is one.
      { component: "telephony_inbound_minute", quantity: 2, unit: "minute", micros_per_unit: 10_000, amount_minor: 2, estimated: false },
      { component: "platform_minute", quantity: 2, unit: "minute", micros_per_unit: 50_000, amount_minor: 10, estimated: false },
      { component: "recording_minute", quantity: 1, unit: "minute", micros_per_unit: 5_000, amount_minor: 1, estimated: false },
      { component: "stt_second", quantity: 50.5, unit: "second", micros_per_unit: 100, amount_minor: 1, estimated: false },
      { component: "tts_character", quantity: 1_000, unit: "character", micros_per_unit: 30, amount_minor: 3, estimated: false },
      { component: "llm_input_token", model: HAIKU, quantity: 12, unit: "1k_tokens", micros_per_unit: 1_000, amount_minor: 1, estimated: false },
      { component: "llm_output_token", model: HAIKU, quantity: 0.8, unit: "1k_tokens", micros_per_unit: 5_000, amount_minor: 0, estimated: false },
    ];
    const cost = { currency: "USD", total_minor: 18, estimated: false, lines, priced_at: expect.any(String) };
    expect(settled).toEqual({ kind: "charged", cost });

    expect((await postings(t.accountId)).filter((p) => p.kind === "call_charge")).toEqual([
      expect.objectContaining({ debit: "customer_balance", credit: "revenue", amountMinor: 18, currency: "USD", sourceType: "usage_event", sourceId: `usage:${callId}` }),
    ]);
    expect(await charges(t.accountId)).toEqual([expect.objectContaining({ callId, usageEventId: `usage:${callId}`, totalMinor: 18, lines, estimated: false })]);
    expect(await gateBalance(t.accountId)).toMatchObject({ balanceMinor: 982 });
    expect(await gate(t.accountId).credit()).toMatchObject({ balanceMinor: 982, reservedMinor: 0, spendableMinor: 982 });
    expect(JSON.parse((await d1Call(callId))!.cost!)).toEqual(cost);
    expect((await usageRecords(callId)).results).toEqual([{ id: `usage:${callId}`, duration_seconds: 61 }]);
  });

  it("a duplicate delivery changes nothing, even after the rate card changed", async () => {
    const t = await createTenant();
    const planId = await billingAccount(t.accountId);
    const callId = await finishedCall(t.accountId);
    const first = await settle(usageMessage(t.accountId, callId, 125));
    expect(first).toMatchObject({ kind: "charged", cost: { total_minor: 18 } }); // 3 minutes × (1 + 5) cents
    await withPostgres(env, (db) => db.update(rateCards).set({ microsPerUnit: 99_000 }).where(and(eq(rateCards.planId, planId), eq(rateCards.component, "platform_minute"))));
    const again = await settle(usageMessage(t.accountId, callId, 125));
    expect(again).toEqual({ kind: "already-charged", cost: (first as { cost: unknown }).cost });
    expect((await postings(t.accountId)).map((p) => p.amountMinor)).toEqual([18]);
    expect(await charges(t.accountId)).toHaveLength(1);
    expect((await usageRecords(callId)).results).toHaveLength(1);
  });

  it("a call priced at zero records its charge row and cost but posts nothing", async () => {
    const t = await createTenant();
    await billingAccount(t.accountId);
    const callId = await finishedCall(t.accountId, { status: "no-answer" });
    expect(await settle(usageMessage(t.accountId, callId, null))).toMatchObject({ kind: "charged", cost: { total_minor: 0, lines: [] } });
    expect(await postings(t.accountId)).toEqual([]);
    expect(await charges(t.accountId)).toEqual([expect.objectContaining({ totalMinor: 0 })]);
    expect(JSON.parse((await d1Call(callId))!.cost!)).toMatchObject({ currency: "USD", total_minor: 0 });
  });

  it("marks the cost estimated when a model's usage was estimated for an aborted turn", async () => {
    const t = await createTenant();
    await billingAccount(t.accountId);
    const callId = await finishedCall(t.accountId, { direction: "outbound" });
    const settled = await settle(usageMessage(t.accountId, callId, 30, { llm: { [HAIKU]: { input_tokens: 3_000, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, estimated_requests: 1 } } }));
    expect(settled).toMatchObject({ kind: "charged", cost: { estimated: true } });
    if (settled.kind !== "charged") return;
    expect(settled.cost.lines.map((l) => [l.component, l.estimated])).toEqual([["telephony_outbound_minute", false], ["platform_minute", false], ["llm_input_token", true]]);
  });

  it("an account without a billing side is recorded in D1 and charged nothing", async () => {
    const t = await createTenant();
    const callId = await finishedCall(t.accountId);
    expect(await settle(usageMessage(t.accountId, callId, 90))).toEqual({ kind: "no-billing-account" });
    expect(await charges(t.accountId)).toEqual([]);
    expect((await d1Call(callId))!.cost).toBeNull();
    expect((await usageRecords(callId)).results).toHaveLength(1);
  });

  it("a message naming another account's call prices nothing", async () => {
    const [owner, other] = [await createTenant(), await createTenant()];
    await billingAccount(other.accountId);
    const callId = await finishedCall(owner.accountId);
    expect(await settle(usageMessage(other.accountId, callId, 90))).toEqual({ kind: "unknown-call" });
    expect(await charges(other.accountId)).toEqual([]);
  });

  it("the default plan `payg` has a complete rate card in USD, EUR and GBP", async () => {
    const rows = await withPostgres(env, (db) => db.select().from(rateCards).where(eq(rateCards.planId, "payg")));
    const everything = { direction: "inbound" as const, billedSeconds: 60, recordingSeconds: 60, sttSeconds: 60, ttsCharacters: 100, llm: { "an-unlisted-model": { input_tokens: 1, output_tokens: 1, cache_read_tokens: 1, cache_write_tokens: 1 } } };
    for (const currency of CURRENCIES) {
      const card = rows.filter((r) => r.currency === currency);
      expect(priceCall(everything, card, currency).lines, currency).toHaveLength(9);
      expect(priceCall({ ...everything, direction: "outbound" }, card, currency).lines[0]!.component).toBe("telephony_outbound_minute");
    }
    expect(rows.find((r) => r.currency === "USD" && r.component === "telephony_inbound_minute")!.microsPerUnit).toBe(8_500);
  });
});
