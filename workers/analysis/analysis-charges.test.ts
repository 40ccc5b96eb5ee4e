import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withPostgres } from "../../shared/pg/client.ts";
import { analysisCharges, ledgerPostings, rateCards } from "../../shared/pg/schema.ts";
import { createTenant, type Tenant } from "../../test/workers/api-client.ts";
import { billingAccount, POSTGRES_DOWN } from "../../test/workers/billing-fixtures.ts";
import { roundHalfUpToMinor } from "../billing/pricing.ts";
import { agentWithAnalysis, BOOKING_CALL, finishedCall, FULL_ANALYSIS, MODEL } from "./testing-fixtures.ts";
import { analysisOf, deliver } from "./testing-delivery.ts";

// The model's own token rates (micros per 1,000 tokens), high enough that a short analysis costs whole cents.
const INPUT_RATE = 3_000_000;
const OUTPUT_RATE = 15_000_000;

/** A tenant billed on a plan whose rate card names the analysis model's token rates. */
async function billedTenant(): Promise<Tenant> {
  const t = await createTenant();
  const planId = await billingAccount(t.accountId);
  await withPostgres(env, (db) =>
    db.insert(rateCards).values([
      { planId, currency: "USD", component: "llm_input_token", model: MODEL, microsPerUnit: INPUT_RATE },
      { planId, currency: "USD", component: "llm_output_token", model: MODEL, microsPerUnit: OUTPUT_RATE },
    ]),
  );
  return t;
}

const analysisPostings = (accountId: string) =>
  withPostgres(env, async (db) => (await db.select().from(ledgerPostings).where(eq(ledgerPostings.accountId, accountId))).filter((p) => p.kind === "analysis_charge"));
const chargeRows = (accountId: string) => withPostgres(env, (db) => db.select().from(analysisCharges).where(eq(analysisCharges.accountId, accountId)));

/** The cost the model's rates give these tokens: one line per token kind, each rounded once. */
function expectedCost(usage: { input_tokens: number; output_tokens: number }) {
  const lines = [
    { component: "llm_input_token", model: MODEL, quantity: usage.input_tokens / 1_000, unit: "1k_tokens", micros_per_unit: INPUT_RATE, amount_minor: roundHalfUpToMinor(usage.input_tokens / 1_000, INPUT_RATE), estimated: false },
    { component: "llm_output_token", model: MODEL, quantity: usage.output_tokens / 1_000, unit: "1k_tokens", micros_per_unit: OUTPUT_RATE, amount_minor: roundHalfUpToMinor(usage.output_tokens / 1_000, OUTPUT_RATE), estimated: false },
  ];
  return { currency: "USD", total_minor: lines[0]!.amount_minor + lines[1]!.amount_minor, lines, priced_at: expect.any(String) };
}

describe("analysis tokens metered as usage of the call", () => {
  it("posts the tokens once as their own ledger line keyed by call and version, and GET /v1/calls/{id} shows the cost", async () => {
    const t = await billedTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const callId = await finishedCall(t, agent, BOOKING_CALL);
    const { sent } = await deliver(t, callId, agent);
    const [analysis] = await analysisOf(t, callId);
    const cost = expectedCost(analysis.usage);
    expect(cost.total_minor).toBeGreaterThan(0);
    expect(analysis.cost).toEqual(cost);
    // The webhook carries the cost too: the charge is posted before call.analyzed is emitted.
    expect(sent[0]!.data.cost).toEqual(analysis.cost);
    expect(await analysisPostings(t.accountId)).toEqual([
      expect.objectContaining({ debit: "customer_balance", credit: "revenue", amountMinor: cost.total_minor, currency: "USD", sourceType: "call_analysis", sourceId: `${callId}/1` }),
    ]);

    // A redelivery of the same message charges nothing again.
    const again = await deliver(t, callId, agent);
    expect(again.result.explicitAcks).toEqual(["m1"]);
    expect(await analysisPostings(t.accountId)).toHaveLength(1);
    expect(await chargeRows(t.accountId)).toHaveLength(1);
    expect((await analysisOf(t, callId))[0].cost).toEqual(analysis.cost);
  });

  it("charges a re-run (the next analysis version) its own tokens, once, beside the first", async () => {
    const t = await billedTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const callId = await finishedCall(t, agent, BOOKING_CALL);
    await deliver(t, callId, agent, 1);
    await deliver(t, callId, agent, 2);
    await deliver(t, callId, agent, 2);
    const [second, first] = await analysisOf(t, callId);
    expect(second.cost).toEqual(expectedCost(second.usage));
    const postings = await analysisPostings(t.accountId);
    expect(postings.map((p) => [p.sourceId, p.amountMinor]).sort()).toEqual([
      [`${callId}/1`, first.cost.total_minor],
      [`${callId}/2`, second.cost.total_minor],
    ]);
  });

  it("with Postgres down, settles the analysis and retries the message; the redelivery posts the charge once, without asking the model again", async () => {
    const t = await billedTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const callId = await finishedCall(t, agent, BOOKING_CALL);
    const down = await deliver(t, callId, agent, 1, undefined, POSTGRES_DOWN as Partial<Env>);
    expect(down.result.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
    expect(down.sent.map((e) => [e.type, e.data.status, e.data.cost])).toEqual([["call.analyzed", "succeeded", null]]);
    expect((await analysisOf(t, callId))[0]).toMatchObject({ status: "succeeded", cost: null });

    const retried = await deliver(t, callId, agent);
    expect([retried.requests, retried.sent.length]).toEqual([0, 0]);
    const [analysis] = await analysisOf(t, callId);
    expect(analysis.cost).toEqual(expectedCost(analysis.usage));
    expect(await analysisPostings(t.accountId)).toHaveLength(1);
    await deliver(t, callId, agent);
    expect(await analysisPostings(t.accountId)).toHaveLength(1);
  });

  it("charges nothing to an account without a billing side (cost null)", async () => {
    const t = await createTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const callId = await finishedCall(t, agent, BOOKING_CALL);
    await deliver(t, callId, agent);
    expect((await analysisOf(t, callId))[0]).toMatchObject({ status: "succeeded", cost: null });
  });
});
