import { eq } from "drizzle-orm";
import { firstAnalysisRequest } from "../../shared/analysis/analysis-request.ts";
import { database } from "../../shared/db/client.ts";
import { callEvents, calls, callTurns } from "../../shared/db/schema.ts";
import { redactJson } from "../../shared/compliance/pii-detector.ts";
import { callAccountGate, callRecordsDbOf } from "../../shared/residency/residency.ts";
import { callRedactionKinds, redactTurnText } from "./call-pii-redaction.ts";
import type { CallMeta, CallStore, StoredEvent } from "./call-store.ts";

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

/** What of the finished call has reached D1 and the queue (stored beside the outcome, so retries resume). */
interface Delivery {
  written: boolean;
  usageQueued: boolean;
  failures: number;
  /** The call's own records were deleted once delivered (purgeDeliveredCall): D1 holds the only copy. */
  purged?: boolean;
}

/**
 * What a delivered call keeps in its object: enough to answer late webhooks the same way (a status callback, a
 * `<Connect action>`, a stream upgrade find the call ended), and nothing of the conversation.
 */
const TOMBSTONE_KEYS = ["meta", "outcome", "delivery"];

/**
 * Twilio's final status carries the billed duration and normally arrives right after the call ends; a call the
 * agent left early (transfer, voicemail, a lost stream) stays up on Twilio's side until then. The usage event waits
 * for it this long, then goes out with the duration estimated from the object's own clock.
 */
export const USAGE_WAIT_MS = 4 * 60 * 60_000;
const RETRY_BASE_MS = 2_000;
const RETRY_MAX_MS = 5 * 60_000;
/** D1 binds at most 100 parameters per statement: rows per multi-row INSERT follow from the column count. */
const MAX_BOUND_PARAMETERS = 100;
const TURN_ROWS_PER_INSERT = Math.floor(MAX_BOUND_PARAMETERS / 11);
const EVENT_ROWS_PER_INSERT = Math.floor(MAX_BOUND_PARAMETERS / 5);
/** Statements per D1 batch, so a four-hour call stays within D1's per-batch and per-invocation query limits. */
const STATEMENTS_PER_BATCH = 100;

const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * Delivers a finished call: releases the account's concurrency lease, writes the call row, every turn and every
 * event to D1, and queues the usage event once Twilio's duration is known (or after USAGE_WAIT_MS). Each step is
 * idempotent and marked done only after it succeeded; returns when to try again (a failure, or the usage still
 * waiting), or null when everything is delivered.
 */
export async function deliverFinishedCall(env: Env, meta: CallMeta, store: CallStore, now = Date.now()): Promise<number | null> {
  const outcome = store.get<CallOutcome>("outcome");
  if (!outcome) return null;
  const delivery = store.get<Delivery>("delivery") ?? { written: false, usageQueued: false, failures: 0 };
  try {
    if (!delivery.written) {
      await callAccountGate(env, meta.accountId, meta.callId).release(meta.callId);
      await writeCallToD1(env, meta, store, outcome, !delivery.purged);
      delivery.written = true;
    }
    const usageDueAt = Date.parse(outcome.endedAt) + USAGE_WAIT_MS;
    if (!delivery.usageQueued && (outcome.durationSeconds !== null || now >= usageDueAt)) {
      await env.CALL_EVENTS.send(usageEvent(meta, outcome, store.events()));
      // The transcript is in D1 by now; a resend (after a failure here) is a no-op for the idempotent consumer.
      await env.CALL_ANALYSIS.send(firstAnalysisRequest(meta));
      delivery.usageQueued = true;
    }
    delivery.failures = 0;
    store.put("delivery", delivery);
    return delivery.usageQueued ? null : usageDueAt;
  } catch (error) {
    delivery.failures++;
    store.put("delivery", delivery);
    store.event("call.delivery_failed", { attempt: delivery.failures, error: String(error) });
    return now + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (delivery.failures - 1));
  }
}

/** Twilio's final status came after the call was finalised: its duration replaces the missing one. */
export function adoptTwilioDuration(store: CallStore, durationSeconds: number | null): boolean {
  const outcome = store.get<CallOutcome>("outcome");
  if (!outcome || outcome.durationSeconds !== null || durationSeconds === null) return false;
  store.put("outcome", { ...outcome, durationSeconds });
  const delivery = store.get<Delivery>("delivery");
  if (delivery) store.put("delivery", { ...delivery, written: false });
  store.event("call.duration", { seconds: durationSeconds, source: "twilio" });
  return true;
}

/**
 * Once everything is delivered (returned null), the call's object keeps only its tombstone: the turns, events and
 * state go, and so does any alarm. Rows are deleted rather than `deleteAll()`ed: the object still answers late
 * webhooks from the same tables, and an emptied table takes no space.
 */
export function purgeDeliveredCall(store: CallStore): void {
  const delivery = store.get<Delivery>("delivery");
  if (!delivery?.usageQueued || delivery.purged) return;
  store.put("delivery", { ...delivery, purged: true });
  store.purge(TOMBSTONE_KEYS);
}

/**
 * The call row, every turn and every event, redacted as the agent version asks (`withRecords`: false once the object purged them, when a late duration
 * updates the call row alone). Turns and events go in multi-row INSERTs after a delete (so a retry
 * writes them once); the call row comes last, so D1 shows the call as ended only once its transcript is complete.
 */
async function writeCallToD1(env: Env, meta: CallMeta, store: CallStore, outcome: CallOutcome, withRecords: boolean): Promise<void> {
  const db = database(callRecordsDbOf(env, meta.callId));
  const kinds = withRecords ? await callRedactionKinds(env, meta) : [];
  const turns = store.turns().map((t) => ({
    callId: meta.callId,
    seq: t.seq,
    accountId: meta.accountId,
    role: t.role,
    text: redactTurnText(t.role, t.text, kinds),
    interrupted: t.interrupted,
    startedAt: t.startedAt,
    endedAt: t.endedAt,
    timings: t.timings,
    voiceToVoiceMs: t.timings?.voice_to_voice_ms ?? null,
    platformOverheadMs: t.timings?.platform_overhead_ms ?? null,
  }));
  const events = store.events().map((e) => ({ callId: meta.callId, accountId: meta.accountId, type: e.type, at: e.at, data: redactJson(e.data, kinds) }));
  const records = withRecords
    ? [
        db.delete(callTurns).where(eq(callTurns.callId, meta.callId)),
        db.delete(callEvents).where(eq(callEvents.callId, meta.callId)),
        ...chunks(turns, TURN_ROWS_PER_INSERT).map((rows) => db.insert(callTurns).values(rows)),
        ...chunks(events, EVENT_ROWS_PER_INSERT).map((rows) => db.insert(callEvents).values(rows)),
      ]
    : [];
  const statements = [
    ...records,
    db
      .update(calls)
      .set({ status: outcome.status, endedAt: outcome.endedAt, durationSeconds: outcome.durationSeconds, endReason: outcome.endReason, metrics: outcome.metrics ?? null, usage: outcome.usage ?? null })
      .where(eq(calls.id, meta.callId)),
  ];
  for (const batch of chunks(statements, STATEMENTS_PER_BATCH)) await db.batch(batch as [(typeof batch)[0], ...(typeof batch)[number][]]);
}

function usageEvent(meta: CallMeta, outcome: CallOutcome, events: StoredEvent[]): UsageEvent {
  const estimated = outcome.durationSeconds === null ? estimatedDurationSeconds(outcome, events) : null;
  return {
    type: "call.usage",
    id: `usage:${meta.callId}`,
    call_id: meta.callId,
    account_id: meta.accountId,
    agent_id: meta.agentId,
    agent_version: meta.agentVersion,
    ended_at: outcome.endedAt,
    duration_seconds: outcome.durationSeconds ?? estimated,
    usage: { ...outcome.usage, duration_source: outcome.durationSeconds === null ? "estimated" : "twilio" },
  };
}

/** From the moment the call was answered (its stream started, or a machine picked up) to its end. */
function estimatedDurationSeconds(outcome: CallOutcome, events: StoredEvent[]): number | null {
  const answered = events.find((e) => e.type === "stream.started" || e.type === "call.answered_by_machine");
  return answered ? Math.max(0, Math.round((Date.parse(outcome.endedAt) - Date.parse(answered.at)) / 1000)) : null;
}
