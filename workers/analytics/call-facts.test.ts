import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../shared/db/client.ts";
import { callEvents, callTurns } from "../../shared/db/schema.ts";
import { withPostgres, type PostgresConfig } from "../../shared/pg/client.ts";
import { billingAccounts, callFacts, callRollups, callRollupsDaily, ledgerPostings, ROLLUP_GRAINS, turnFacts } from "../../shared/pg/schema.ts";
import { callRecordsDb, type Region } from "../../shared/residency/residency.ts";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { billingAccount, finishedCall, usageMessage } from "../../test/workers/billing-fixtures.ts";
import { fetchWithEnv } from "../../test/workers/worker-with-env.ts";
import { consumeUsage } from "../queue/usage-consumer.ts";

/** Delivers the bodies as one batch (ids m0, m1, …) to the facts' consumer over `bindings`. */
const deliver = async (body: unknown, bindings: Env = env, ...more: unknown[]) => {
  const ctx = createExecutionContext();
  const batch = createMessageBatch("call-events", [body, ...more].map((b, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body: b })));
  await consumeUsage(batch, bindings);
  return getQueueResult(batch, ctx);
};

/** The EU accounts' analytics database (locally the embedded server's `postgres_eu`). */
const EU_POSTGRES: PostgresConfig = { DATABASE_URL: env.DATABASE_URL_EU, PG_WS_PROXY: env.PG_WS_PROXY };

const factsOf = (accountId: string, database: PostgresConfig = env) =>
  withPostgres(database, async (db) => ({
    calls: await db.select().from(callFacts).where(eq(callFacts.accountId, accountId)),
    turns: await db.select().from(turnFacts).where(eq(turnFacts.accountId, accountId)).orderBy(asc(turnFacts.turn)),
    postings: await db.select().from(ledgerPostings).where(eq(ledgerPostings.accountId, accountId)),
    hourly: await db.$count(callRollups, eq(callRollups.accountId, accountId)),
    daily: await db.$count(callRollupsDaily, eq(callRollupsDaily.accountId, accountId)),
  }));
const NO_ANALYTICS = { calls: [], turns: [], hourly: 0, daily: 0 };

/** A finished outbound call with four turns (one interrupted, one tool call) and a provider failure, as the call's object writes them to D1. */
async function conversation(accountId: string, region: Region = "us") {
  const callId = await finishedCall(accountId, { direction: "outbound", fromNumber: "+16285550199", toNumber: "+14155550123", startedAt: "2026-05-04T10:00:00.000Z", endReason: "agent_hangup" }, region);
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
  const d1 = database(callRecordsDb(env, region));
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

    // A us account's analytics are in the global database only.
    expect(await factsOf(t.accountId, EU_POSTGRES)).toMatchObject({ ...NO_ANALYTICS, postings: [] });
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

describe("an EU account's analytics (DATABASE_URL_EU)", () => {
  async function euConversation() {
    const t = await createTenant({ region: "eu" });
    await billingAccount(t.accountId);
    await withPostgres(env, (db) => db.update(billingAccounts).set({ timeZone: "Europe/Paris" }).where(eq(billingAccounts.accountId, t.accountId)));
    const callId = await conversation(t.accountId, "eu");
    return { t, callId, message: usageMessage(t.accountId, callId, 61) };
  }

  it("lands its facts, turns, verdicts and rollups in the EU database only, its charge in the global one, and reports them from there", async () => {
    const { t, callId, message } = await euConversation();
    expect((await deliver(message)).explicitAcks).toEqual(["m0"]);
    expect((await deliver(message)).explicitAcks).toEqual(["m0"]);
    const verdict = { type: "call.verdict", account_id: t.accountId, call_id: callId, analysis_version: 1, succeeded: true };
    expect((await deliver(verdict)).explicitAcks).toEqual(["m0"]);

    const eu = await factsOf(t.accountId, EU_POSTGRES);
    // The cost is the charge settled in the global database; days are cut in the zone of the global billing side.
    expect(eu.calls.map((c) => [c.callId, c.costMinor, c.currency, c.turns, c.succeeded])).toEqual([[callId, 14, "USD", 4, true]]);
    expect(eu.turns.map((r) => r.turn)).toEqual([1, 2, 3, 4]);
    expect([eu.hourly, eu.daily, eu.postings]).toEqual([ROLLUP_GRAINS.length, ROLLUP_GRAINS.length, []]);
    const days = () => withPostgres(EU_POSTGRES, (db) => db.select({ day: callRollupsDaily.day, timeZone: callRollupsDaily.timeZone, judged: callRollupsDaily.judgedCalls }).from(callRollupsDaily).where(and(eq(callRollupsDaily.accountId, t.accountId), eq(callRollupsDaily.grain, "all"))));
    expect(await days()).toEqual([{ day: new Date("2026-05-03T22:00:00Z"), timeZone: "Europe/Paris", judged: 1 }]);
    const global = await factsOf(t.accountId);
    expect(global).toMatchObject(NO_ANALYTICS);
    expect(global.postings.map((p) => p.amountMinor)).toEqual([14]);

    const day = await api(t.key).get("/v1/analytics/calls?from=2026-05-03T22:00:00Z&to=2026-05-04T22:00:00Z&measures=count,cost,v2v_p50,success_rate");
    expect(day.json).toEqual({ time_zone: "Europe/Paris", currency: "USD", source: "turns", rows: [{ count: 1, cost: 14, v2v_p50: 775, success_rate: 1 }] });
    const month = await api(t.key).get("/v1/analytics/calls?from=2026-04-30T22:00:00Z&to=2026-05-31T22:00:00Z&interval=day&measures=count,cost");
    expect(month.json).toMatchObject({ source: "daily_rollups", rows: [{ start: "2026-05-03T22:00:00Z", local_start: "2026-05-04T00:00:00", count: 1, cost: 14 }] });

    // A zone change's rebuild recuts the EU database's days in the zone read from the global one.
    await withPostgres(env, (db) => db.update(billingAccounts).set({ timeZone: "America/New_York" }).where(eq(billingAccounts.accountId, t.accountId)));
    expect((await deliver({ type: "analytics.daily_rebuild", account_id: t.accountId })).explicitAcks).toEqual(["m0"]);
    expect(await days()).toEqual([{ day: new Date("2026-05-04T04:00:00Z"), timeZone: "America/New_York", judged: 1 }]);
  });

  it("retries its facts while DATABASE_URL_EU is unset, writing none to the global database, and refuses its report with a problem", async () => {
    const { t, message } = await euConversation();
    const us = await createTenant();
    const usMessage = usageMessage(us.accountId, await conversation(us.accountId), 30);
    const unset: Env = { ...env, DATABASE_URL_EU: "" };

    // The EU message alone is retried; the us one beside it is recorded.
    const failed = await deliver(message, unset, usMessage);
    expect([failed.retryMessages.map((m) => m.msgId), failed.explicitAcks]).toEqual([["m0"], ["m1"]]);
    const global = await factsOf(t.accountId);
    expect(global).toMatchObject(NO_ANALYTICS);
    expect(global.postings.map((p) => p.amountMinor)).toEqual([14]);
    expect(await factsOf(t.accountId, EU_POSTGRES)).toMatchObject(NO_ANALYTICS);
    expect((await factsOf(us.accountId)).calls).toHaveLength(1);

    const refused = await fetchWithEnv(
      new Request("https://api.test/v1/analytics/calls?from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z", { headers: { authorization: `Bearer ${t.key}` } }),
      { DATABASE_URL_EU: "" },
    );
    expect(refused.status).toBe(503);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await refused.json()) as { type: string; detail: string };
    expect(problem.type).toBe("https://docs.ayb.dev/problems/region-unconfigured");
    expect(problem.detail).toMatch(/DATABASE_URL_EU is not set/);

    // Once it is set, the retry records them there, and charges nothing twice.
    expect((await deliver(message)).explicitAcks).toEqual(["m0"]);
    const eu = await factsOf(t.accountId, EU_POSTGRES);
    expect(eu.calls.map((c) => c.costMinor)).toEqual([14]);
    expect((await factsOf(t.accountId)).postings).toHaveLength(1);
  });
});
