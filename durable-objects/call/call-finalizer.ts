import { eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { callEvents, calls, callTurns } from "../../shared/db/schema.ts";
import type { CallMeta, CallStore } from "./call-store.ts";

export type FinalStatus = "completed" | "busy" | "no-answer" | "failed" | "canceled";

export interface CallOutcome {
  status: FinalStatus;
  endReason: string;
  endedAt: string;
  durationSeconds: number | null;
  metrics?: Record<string, unknown>;
  usage?: Record<string, unknown>;
}

export interface UsageEvent {
  type: "call.usage";
  id: string;
  call_id: string;
  account_id: string;
  agent_id: string;
  agent_version: number;
  ended_at: string;
  duration_seconds: number | null;
  usage: Record<string, unknown>;
}

/**
 * Writes a finished call to D1 in one batch (the call row, every turn, every event: all or nothing), releases
 * the account's concurrency lease and queues the usage event. Turns were kept in the object's own storage until
 * now, so D1 sees one write per call instead of one per utterance.
 */
export async function persistFinishedCall(env: Env, meta: CallMeta, store: CallStore, outcome: CallOutcome): Promise<void> {
  const db = database(env.DB);
  const turns = store.turns();
  const events = store.events();
  const statements = [
    db
      .update(calls)
      .set({ status: outcome.status, endedAt: outcome.endedAt, durationSeconds: outcome.durationSeconds, endReason: outcome.endReason, metrics: outcome.metrics ?? null, usage: outcome.usage ?? null })
      .where(eq(calls.id, meta.callId)),
    db.delete(callTurns).where(eq(callTurns.callId, meta.callId)),
    ...turns.map((t) =>
      db.insert(callTurns).values({
        callId: meta.callId,
        seq: t.seq,
        accountId: meta.accountId,
        role: t.role,
        text: t.text,
        interrupted: t.interrupted,
        startedAt: t.startedAt,
        endedAt: t.endedAt,
        timings: t.timings,
        voiceToVoiceMs: t.timings?.voice_to_voice_ms ?? null,
        platformOverheadMs: t.timings?.platform_overhead_ms ?? null,
      }),
    ),
    db.delete(callEvents).where(eq(callEvents.callId, meta.callId)),
    ...events.map((e) => db.insert(callEvents).values({ callId: meta.callId, accountId: meta.accountId, type: e.type, at: e.at, data: e.data })),
  ];
  await db.batch(statements as [(typeof statements)[0], ...(typeof statements)[number][]]);
  const gate = env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(meta.accountId));
  const usage: UsageEvent = {
    type: "call.usage",
    id: `usage:${meta.callId}`,
    call_id: meta.callId,
    account_id: meta.accountId,
    agent_id: meta.agentId,
    agent_version: meta.agentVersion,
    ended_at: outcome.endedAt,
    duration_seconds: outcome.durationSeconds,
    usage: outcome.usage ?? {},
  };
  await Promise.all([gate.release(meta.callId), env.CALL_EVENTS.send(usage)]);
}
