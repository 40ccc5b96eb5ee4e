import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../shared/db/client.ts";
import { callEvents, callTurns } from "../../shared/db/schema.ts";
import { withPostgres } from "../../shared/pg/client.ts";
import { callFacts, callRollups, callRollupsDaily, ledgerPostings, ROLLUP_GRAINS, turnFacts } from "../../shared/pg/schema.ts";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { billingAccount, finishedCall, usageMessage } from "../../test/workers/billing-fixtures.ts";
import { consumeUsage } from "../queue/usage-consumer.ts";

const deliver = async (body: unknown) => {
  const ctx = createExecutionContext();
  const batch = createMessageBatch("call-events", [{ id: "m0", timestamp: new Date(), attempts: 1, body }]);
  await consumeUsage(batch, env);
  return getQueueResult(batch, ctx);
};

const factsOf = (accountId: string) =>
  withPostgres(env, async (db) => ({
    calls: await db.select().from(callFacts).where(eq(callFacts.accountId, accountId)),
    turns: await db.select().from(turnFacts).where(eq(turnFacts.accountId, accountId)).orderBy(asc(turnFacts.turn)),
    postings: await db.select().from(ledgerPostings).where(eq(ledgerPostings.accountId, accountId)),
  }));

/** A finished outbound call with four turns (one interrupted, one tool call) and a provider failure, as the call's object writes them to D1. */
async function conversation(accountId: string) {
  const callId = await finishedCall(accountId, { direction: "outbound", fromNumber: "+16285550199", toNumber: "+14155550123", startedAt: "2026-05-04T10:00:00.000Z", endReason: "agent_hangup" });
  const turn = (seq: number, role: "caller" | "agent" | "tool", timings: Record<string, number> | null, interrupted = false) => ({
    callId,
    accountId,
    seq,
    role,
    text: `turn ${seq}`,
    interrupted,
    startedAt: `2026-05-04T10:00:0${seq}.000Z`,
    timings,
    voiceToVoiceMs: timings?.voice_to_voice_ms ?? null,
    platformOverheadMs: timings?.platform_overhead_ms ?? null,
  });
  const d1 = database(env.DB);
  await d1.insert(callTurns).values([
    turn(1, "caller", null),
    turn(2, "agent", { voice_to_voice_ms: 640, stt_ms: 120, llm_ttft_ms: 300, tts_ttfb_ms: 150, platform_overhead_ms: 70 }, true),
    turn(3, "tool", { duration_ms: 80, ok: 1 }),
    turn(4, "agent", { voice_to_voice_ms: 910, stt_ms: 200, llm_ttft_ms: 450, tts_ttfb_ms: 180, platform_overhead_ms: 80 }),
  ]);
  await d1.insert(callEvents).values({ callId, accountId, type: "provider.failed", at: "2026-05-04T10:00:05.000Z", data: { provider: "deepgram" } });
  return callId;
}

describe("call facts from the usage queue", () => {
  it("records the call and its turns once, with the settled cost, however often the message is delivered", async () => {
    const t = await createTenant();
    await billingAccount(t.accountId);
    const callId = await conversation(t.accountId);
    const message = usageMessage(t.accountId, callId, 61);
    expect((await deliver(message)).explicitAcks).toEqual(["m0"]);
    expect((await deliver(message)).explicitAcks).toEqual(["m0"]);

    const { calls, turns, postings } = await factsOf(t.accountId);
    expect(postings.map((p) => p.amountMinor)).toEqual([14]); // 2 minutes × (2 outbound + 5 platform) cents
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      callId,
      agentId: "AGT-2222222222",
      agentVersion: 1,
      number: "+16285550199",
      direction: "outbound",
      startedAt: new Date("2026-05-04T10:00:00.000Z"),
      endedAt: new Date("2026-11-24T10:00:00.000Z"),
      durationS: 61,
      endReason: "agent_hangup",
      costMinor: 14,
      currency: "USD",
      turns: 4,
      interruptions: 1,
      toolCalls: 1,
      providerFailures: 1,
    });
    expect(turns.map((r) => [r.turn, r.role, r.voiceToVoiceMs, r.sttMs, r.llmTtftMs, r.ttsTtfbMs, r.platformOverheadMs])).toEqual([
      [1, "caller", null, null, null, null, null],
      [2, "agent", 640, 120, 300, 150, 70],
      [3, "tool", null, null, null, null, null],
      [4, "agent", 910, 200, 450, 180, 80],
    ]);

    // The hourly rollups were added to once too: one call in each grain, two agent turns in each stage's histogram.
    const rollups = await withPostgres(env, (db) => db.select().from(callRollups).where(eq(callRollups.accountId, t.accountId)));
    expect(rollups.map((r) => [r.grain, r.calls, r.costMinor]).sort()).toEqual(ROLLUP_GRAINS.map((g) => [g, 1, 14]).sort());
    for (const r of rollups) {
      const counts = [r.v2vCounts, r.sttCounts, r.llmTtftCounts, r.ttsTtfbCounts, r.overheadCounts];
      expect(counts.map((c) => c.reduce((a, b) => a + b, 0)), r.grain).toEqual([2, 2, 2, 2, 2]);
    }

    // And the daily rollups, in the same transaction: once.
    const daily = await withPostgres(env, (db) => db.select().from(callRollupsDaily).where(eq(callRollupsDaily.accountId, t.accountId)));
    expect(daily.map((r) => [r.grain, r.calls, r.costMinor, r.v2vCounts.reduce((a, b) => a + b, 0)]).sort()).toEqual(ROLLUP_GRAINS.map((g) => [g, 1, 14, 2]).sort());

    // A day reads the turn rows (exact); a month reads the daily rollups: the same sums, the percentile within 2 %.
    const day = await api(t.key).get("/v1/analytics/calls?from=2026-05-04T00:00:00Z&to=2026-05-05T00:00:00Z&measures=count,minutes,cost,v2v_p50");
    expect(day.json).toMatchObject({ source: "turns", rows: [{ count: 1, minutes: 1.02, cost: 14, v2v_p50: 775 }] });
    const month = await api(t.key).get("/v1/analytics/calls?from=2026-05-01T00:00:00Z&to=2026-06-01T00:00:00Z&measures=count,minutes,cost,v2v_p50");
    expect(month.json).toMatchObject({ source: "daily_rollups", rows: [{ count: 1, minutes: 1.02, cost: 14 }] });
    expect(Math.abs(month.json.rows[0].v2v_p50 - 775)).toBeLessThanOrEqual(0.02 * 775);
  });

  it("records a call of an account without a billing side, with no cost", async () => {
    const t = await createTenant();
    const callId = await finishedCall(t.accountId, { startedAt: "2026-05-04T10:00:00.000Z" });
    expect((await deliver(usageMessage(t.accountId, callId, 30))).explicitAcks).toEqual(["m0"]);
    const { calls } = await factsOf(t.accountId);
    expect(calls.map((c) => [c.number, c.direction, c.costMinor, c.currency, c.turns])).toEqual([["+16285550100", "inbound", null, null, 0]]);
  });

  it("retries the message when its facts cannot be written, and the redelivery charges nothing twice", async () => {
    const t = await createTenant();
    await billingAccount(t.accountId);
    const callId = await finishedCall(t.accountId, { createdAt: "not a time" });
    const message = usageMessage(t.accountId, callId, 61);
    const failed = await deliver(message);
    expect(failed.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
    expect((await factsOf(t.accountId)).postings).toHaveLength(1);

    await env.DB.prepare("UPDATE calls SET created_at = ? WHERE id = ?").bind("2026-05-04T10:00:00.000Z", callId).run();
    expect((await deliver(message)).explicitAcks).toEqual(["m0"]);
    const { calls, postings } = await factsOf(t.accountId);
    expect(postings.map((p) => p.amountMinor)).toEqual([12]);
    expect(calls.map((c) => c.costMinor)).toEqual([12]);
  });
});
