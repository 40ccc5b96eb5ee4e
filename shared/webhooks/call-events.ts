import type { CallIdentity } from "../calls/call-identity.ts";
import { emitWebhookEvent } from "./emit-webhook-event.ts";
import type { WebhookEventData } from "./event-catalogue.ts";

type CallEventType = "call.started" | "call.answered" | "call.ended" | "call.transferred";
type CallRefKeys = "call_id" | "agent_id" | "agent_version" | "direction" | "from" | "to";

/**
 * A call event from the call's object, fire-and-forget. Its id is derived from the call and `key`, so a step the
 * object runs again (after a restart, a resumed stream) emits the same event, which the fan-out delivers once.
 */
export function emitCallEvent<T extends CallEventType>(
  env: Pick<Env, "WEBHOOK_EVENTS">,
  meta: CallIdentity,
  type: T,
  data: Omit<WebhookEventData<T>, CallRefKeys>,
  key: string,
  waitUntil?: (promise: Promise<unknown>) => void,
): void {
  const ref = { call_id: meta.callId, agent_id: meta.agentId, agent_version: meta.agentVersion, direction: meta.direction, from: meta.from, to: meta.to };
  emitWebhookEvent(env, { type, accountId: meta.accountId, id: `evt_${meta.callId}_${key}`, data: { ...ref, ...data } as WebhookEventData<T> }, waitUntil);
}

/** A finished turn of the transcript (`call.transcript`, opt-in per endpoint); one event per turn, keyed by its seq. */
export function emitTranscriptTurn(env: Pick<Env, "WEBHOOK_EVENTS">, meta: CallIdentity, turn: Omit<WebhookEventData<"call.transcript">, "call_id">): void {
  emitWebhookEvent(env, { type: "call.transcript", accountId: meta.accountId, id: `evt_${meta.callId}_turn_${turn.seq}`, data: { call_id: meta.callId, ...turn } });
}

/** `call.transferred`, from a transfer's record (cold: dialled; warm: bridged); one per target. */
export function emitCallTransferred(env: Pick<Env, "WEBHOOK_EVENTS">, meta: CallIdentity, record: { mode: "cold" | "warm"; to: string; target_call_sid?: string }): void {
  emitCallEvent(env, meta, "call.transferred", { mode: record.mode, transfer_to: record.to, target_call_sid: record.target_call_sid ?? null }, `transferred_${record.target_call_sid ?? record.to}`);
}
