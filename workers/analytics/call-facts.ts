import { and, asc, eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { callEvents, calls, callTurns } from "../../shared/db/schema.ts";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { callCharges, callFacts, turnFacts } from "../../shared/pg/schema.ts";
import type { UsageMessage } from "../billing/usage-message.ts";
import { analyticsSettings } from "./analytics-settings.ts";
import { rollUpCall } from "./rollups.ts";
import { callRecordsDbOf } from "../../shared/residency/residency.ts";

/** Postgres binds at most 65,535 parameters per statement; a turn row binds 11. */
const TURN_ROWS_PER_INSERT = 1_000;

type TurnTimings = Partial<Record<"voice_to_voice_ms" | "stt_ms" | "llm_ttft_ms" | "tts_ttfb_ms" | "platform_overhead_ms", number>>;

export type FactsOutcome = "recorded" | "already-recorded" | "unknown-call";

/** The global database (money, billing sides) and the call's region's analytics database: one and the same for `us`. */
export interface FactsDatabases {
  billing: PgDatabase;
  analytics: PgDatabase;
}

/**
 * Writes the finished call's analytics facts: one call_facts row and one turn_facts row per transcript turn, read
 * from D1 (turns never travel in the message), with the settled cost from call_charges. Runs after settlement, in
 * one transaction of the analytics database keyed on (account, call): a redelivered message finds the call's row and
 * writes nothing, so every call and turn is counted once, in the facts and in the rollups added to in the same
 * transaction. The charge is read from the global database first: settled before, it is found again by a retry.
 * Throws when D1 or Postgres fails: the consumer retries the message, and settlement, being idempotent, posts
 * nothing twice.
 */
export async function recordCallFacts(env: Env, dbs: FactsDatabases, message: UsageMessage): Promise<FactsOutcome> {
  const d1 = database(callRecordsDbOf(env, message.call_id));
  const [call] = await d1
    .select()
    .from(calls)
    .where(and(eq(calls.id, message.call_id), eq(calls.accountId, message.account_id)))
    .limit(1);
  if (!call) return "unknown-call";
  const [turns, failures] = await Promise.all([
    d1.select().from(callTurns).where(and(eq(callTurns.callId, call.id), eq(callTurns.accountId, call.accountId))).orderBy(asc(callTurns.seq)),
    d1.$count(callEvents, and(eq(callEvents.callId, call.id), eq(callEvents.accountId, call.accountId), eq(callEvents.type, "provider.failed"))),
  ]);
  const [charge] = await dbs.billing
    .select({ totalMinor: callCharges.totalMinor, currency: callCharges.currency })
    .from(callCharges)
    .where(and(eq(callCharges.accountId, call.accountId), eq(callCharges.callId, call.id)));
  return dbs.analytics.transaction(async (tx) => {
    const inserted = await tx
      .insert(callFacts)
      .values({
        accountId: call.accountId,
        callId: call.id,
        agentId: call.agentId,
        agentVersion: call.agentVersion,
        number: call.direction === "inbound" ? call.toNumber : call.fromNumber,
        direction: call.direction,
        startedAt: new Date(call.startedAt ?? call.answeredAt ?? call.createdAt),
        endedAt: new Date(message.ended_at),
        durationS: message.duration_seconds === null ? null : Math.round(message.duration_seconds),
        endReason: call.endReason,
        costMinor: charge?.totalMinor ?? null,
        currency: charge?.currency ?? null,
        turns: turns.length,
        interruptions: turns.filter((t) => t.interrupted).length,
        toolCalls: turns.filter((t) => t.role === "tool").length,
        providerFailures: failures,
      })
      .onConflictDoNothing()
      .returning({ callId: callFacts.callId });
    if (inserted.length === 0) return "already-recorded";
    const rows = turns.map((t) => {
      const timings = (t.timings ?? {}) as TurnTimings;
      return {
        accountId: call.accountId,
        callId: call.id,
        turn: t.seq,
        role: t.role,
        startedAt: new Date(t.startedAt),
        interrupted: t.interrupted,
        voiceToVoiceMs: t.voiceToVoiceMs ?? timings.voice_to_voice_ms ?? null,
        sttMs: timings.stt_ms ?? null,
        llmTtftMs: timings.llm_ttft_ms ?? null,
        ttsTtfbMs: timings.tts_ttfb_ms ?? null,
        platformOverheadMs: t.platformOverheadMs ?? timings.platform_overhead_ms ?? null,
      };
    });
    for (let i = 0; i < rows.length; i += TURN_ROWS_PER_INSERT) await tx.insert(turnFacts).values(rows.slice(i, i + TURN_ROWS_PER_INSERT)).onConflictDoNothing();
    await rollUpCall(tx, call.accountId, call.id, async () => (await analyticsSettings(dbs.billing, call.accountId)).timeZone);
    return "recorded";
  });
}
