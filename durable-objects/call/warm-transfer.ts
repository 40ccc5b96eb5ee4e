import { agentVersionConfig } from "../../shared/agents/live-agent.ts";
import { emitCallTransferred } from "../../shared/webhooks/call-events.ts";
import { twiml } from "../../shared/twilio/twiml.ts";
import { briefingTwiml, targetJoinTwiml, transferConference } from "../../shared/twilio/transfer-twiml.ts";
import type { BackgroundTasks } from "./background-tasks.ts";
import { BriefingSocket } from "./briefing-socket.ts";
import { coldTransfer, failureData, twilioFailure, type ControlResult, type TransferRecord, type TransferRequest } from "./call-transfer.ts";
import type { CallMeta, CallStore } from "./call-store.ts";
import type { DeadlineName } from "./deadlines.ts";
import { DIAL_DEADLINE_MS, TransferLegs } from "./transfer-legs.ts";
import { briefingFor, speakBriefing } from "./transfer-briefing.ts";
import { addUsage, speechOnlyUsage, type CallUsage } from "./usage-meter.ts";
import type { TwilioStream } from "./twilio-stream.ts";

/**
 * A warm transfer, owned by the call's Durable Object, one step per Twilio event:
 *
 *   holding ──target dialled──▶ dialing ──target answers──▶ briefing ──briefing heard (mark)──▶ bridged
 *      │                          │                           │                                     │
 *      └──────── Twilio error, busy, no-answer, failed, hung up, deadline ──────▶ failed            │ no final status
 *                                                                        (caller back to the agent) ▼ by the deadline
 *                                                                                              unconfirmed (call ends)
 *
 * holding: the caller waits in conference `transfer-{callId}`; dialing: the target rings (REST call whose `Url`
 * and `StatusCallback` come back here); briefing: the target's leg streams to this object, where the agent speaks
 * the briefing in its own voice; bridged: the target's leg is moved into the conference and the agent is gone.
 * Every step is a call event; the state lives in the object's storage, so it survives the object restarting.
 * This module is the state machine; the Twilio requests of each step are in ./transfer-legs.ts, the target's
 * briefing socket and its authentication in ./briefing-socket.ts, the briefing's speech in ./transfer-briefing.ts.
 */
export type TransferPhase = "holding" | "dialing" | "briefing" | "bridged" | "failed";

interface WarmTransferState {
  to: string;
  requestedBy: string;
  conference: string;
  callerSid: string;
  targetSid: string | null;
  phase: TransferPhase;
  /**
   * Past this (epoch ms) while dialing or briefing, the transfer has failed: the caller is never left holding.
   * Once bridged, past this Twilio's final status is taken as lost and the call ends (see BRIDGED_MARGIN_MS).
   */
  deadline: number;
  /** How long a bridged call may last: the agent's maximum call duration plus BRIDGED_MARGIN_MS. */
  bridgedMaxMs: number;
  /** What the agent says when the caller comes back after a failed transfer. */
  returnLine: string | null;
  /** What the agent tells the target, from the conversation as it stood when the transfer began. */
  briefing: string;
}

/** Target-leg webhooks, forwarded by the Worker once their Twilio signature checked out. */
export type TargetLegEvent = { kind: "answered"; callSid: string } | { kind: "status"; callSid: string; status: string } | { kind: "briefing-ended"; callSid: string };

const KEY = "transfer";
const BRIEFING_DEADLINE_MS = 60_000;
/**
 * A bridged call is no longer the object's to end: Twilio's final status does. Should that callback never come, the
 * call (and its concurrency lease) would stay open for ever; past the agent's maximum call duration and this margin
 * it ends as `transfer_unconfirmed` (a late final status still brings Twilio's duration).
 */
const BRIDGED_MARGIN_MS = 10 * 60_000;
const FINAL = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);
const IN_FLIGHT: ReadonlySet<TransferPhase> = new Set(["holding", "dialing", "briefing"]);

/** What the agent says when the caller comes back after a transfer that failed for `reason`. */
export const returnLineFor = (reason: string) =>
  reason === "target_busy"
    ? "I'm sorry, the line I tried was busy. I'm back with you: how else can I help?"
    : reason === "target_no-answer"
      ? "I'm sorry, nobody picked up. I'm back with you: how else can I help?"
      : "I'm sorry, I couldn't complete the transfer. I'm back with you: how else can I help?";

/** What the transfer needs of the call's object. */
export interface TransferHost {
  setDeadline(name: Extract<DeadlineName, "transfer">, at: number): void;
  /** The agent tells the caller to hold, in its own voice, if its stream is up; resolves once heard. */
  sayHoldLine(): Promise<void>;
  tasks: BackgroundTasks;
}

export class CallTransfers {
  readonly #env: Env;
  readonly #store: CallStore;
  readonly #host: TransferHost;
  readonly #briefing: BriefingSocket;

  constructor(ctx: DurableObjectState, env: Env, store: CallStore, host: TransferHost) {
    this.#env = env;
    this.#store = store;
    this.#host = host;
    this.#briefing = new BriefingSocket(ctx, env, store);
  }

  get #state(): WarmTransferState | undefined {
    return this.#store.get<WarmTransferState>(KEY);
  }

  #legs(meta: CallMeta): TransferLegs {
    return new TransferLegs(this.#env, meta);
  }

  #save(state: WarmTransferState, event?: string, data?: Record<string, unknown>): void {
    this.#store.put(KEY, state);
    if (event) this.#store.event(event, { phase: state.phase, ...data });
  }

  /**
   * While a transfer is under way or bridged, the call lives on without the agent's stream: the object must not
   * finalise it as orphaned nor run the agent's silence and duration timers. Twilio's final status ends it (or, once
   * bridged, the deadline in onDeadline).
   */
  holdsCall(): boolean {
    const phase = this.#state?.phase;
    return phase !== undefined && phase !== "failed";
  }

  /** Cold: hand the caller over with a `<Dial>`. Warm: start the state machine (see above). */
  async start(req: TransferRequest): Promise<ControlResult<TransferRecord>> {
    const meta = this.#store.meta;
    const callerSid = this.#store.callSid;
    if (!meta || !callerSid) return { ok: false, conflict: "the call has no live Twilio leg to transfer" };
    if (this.holdsCall()) return { ok: false, conflict: `the call is already being transferred (${this.#state!.phase})` };
    if (req.mode === "cold") {
      const result = await coldTransfer(this.#env, meta, callerSid, req);
      if (result.ok) this.#store.event("call.transferred", result.value);
      if (result.ok) emitCallTransferred(this.#env, meta, result.value);
      else this.#store.event("transfer.failed", { mode: "cold", to: req.to, step: "dial", twilio_code: result.twilio.code });
      return result;
    }
    const agent = await agentVersionConfig(this.#env, meta.accountId, meta.agentId, meta.agentVersion);
    const state: WarmTransferState = {
      to: req.to,
      requestedBy: req.requestedBy,
      conference: transferConference(meta.callId),
      callerSid,
      targetSid: null,
      phase: "holding",
      deadline: Date.now() + DIAL_DEADLINE_MS,
      bridgedMaxMs: (agent?.config.max_call_duration_s ?? 1_800) * 1000 + BRIDGED_MARGIN_MS,
      returnLine: null,
      briefing: briefingFor(meta, this.#store.turns(), req.announcement),
    };
    const legs = this.#legs(meta);
    // Saved first: moving the caller closes the agent's stream, and the object must know why by then.
    this.#save(state, "transfer.started", { to: req.to, conference: state.conference, requested_by: req.requestedBy });
    await this.#host.sayHoldLine();
    try {
      await legs.holdCaller(callerSid);
    } catch (error) {
      state.phase = "failed";
      state.returnLine = returnLineFor("hold_error");
      this.#save(state, "transfer.failed", { mode: "warm", to: req.to, reason: "hold_error", ...failureData(error) });
      return { ok: false, twilio: twilioFailure(error) };
    }
    this.#store.event("transfer.caller_holding", { conference: state.conference });
    try {
      state.targetSid = await legs.dialTarget(req.to);
    } catch (error) {
      await this.#fail(state, "target_dial_error", failureData(error));
      return { ok: false, twilio: twilioFailure(error) };
    }
    // The target's answer may already have been handled while the dial was in flight.
    const latest = this.#state!;
    if (latest.phase === "holding") {
      latest.targetSid = state.targetSid;
      latest.phase = "dialing";
      this.#save(latest, "transfer.target_dialing", { target_call_sid: state.targetSid });
      this.#host.setDeadline("transfer", latest.deadline);
    }
    return { ok: true, value: this.#record(latest, state.targetSid!) };
  }

  #record(state: WarmTransferState, targetSid: string): TransferRecord {
    return { to: state.to, mode: "warm", requested_by: state.requestedBy, conference: state.conference, target_call_sid: targetSid };
  }

  /** A webhook about the target's leg. Answers with the TwiML for that leg where Twilio asked for some. */
  async targetLeg(event: TargetLegEvent): Promise<{ twiml: string | null }> {
    const state = this.#state;
    const meta = this.#store.meta!;
    const hangup = twiml({ verb: "Hangup" });
    // A leg this call did not dial (or one from an earlier, finished transfer) gets nothing.
    if (!state || (state.targetSid !== null && state.targetSid !== event.callSid)) return { twiml: event.kind === "status" ? null : hangup };
    switch (event.kind) {
      case "answered":
        if (state.phase !== "dialing" && state.phase !== "holding") return { twiml: hangup };
        state.targetSid = event.callSid;
        state.phase = "briefing";
        state.deadline = Date.now() + BRIEFING_DEADLINE_MS;
        this.#save(state, "transfer.target_answered", { target_call_sid: event.callSid });
        this.#host.setDeadline("transfer", state.deadline);
        return { twiml: await briefingTwiml(this.#env.JWT_SECRET, meta.publicBaseUrl, meta.callId) };
      case "briefing-ended":
        // The briefing stream dropped before the agent moved the target on: connect the target anyway.
        if (state.phase !== "briefing" && state.phase !== "bridged") return { twiml: hangup };
        if (state.phase === "briefing") this.#bridged(state, "briefing_stream_ended");
        return { twiml: targetJoinTwiml(meta.callId) };
      case "status":
        this.#store.event("transfer.target_status", { target_call_sid: event.callSid, status: event.status });
        if (FINAL.has(event.status) && (state.phase === "dialing" || state.phase === "briefing" || state.phase === "holding")) {
          await this.#fail(state, `target_${event.status}`, {});
        }
        return { twiml: null };
    }
  }

  isBriefingUpgrade(request: Request): boolean {
    return this.#briefing.isUpgrade(request);
  }

  /** The target's media stream (briefing role): taken only while the target is being briefed. */
  acceptBriefing(): Response {
    if (this.#state?.phase !== "briefing") return new Response("no briefing is due on this call", { status: 409 });
    return this.#briefing.accept();
  }

  owns(ws: WebSocket): boolean {
    return this.#briefing.owns(ws);
  }

  async briefingMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const due = this.#state;
    const frame = await this.#briefing.receive(ws, data, due?.phase === "briefing" ? due.targetSid : null);
    if (!frame) return;
    // Read again: the transfer may have moved on while the socket's token was being checked.
    const state = this.#state;
    if (state?.phase !== "briefing") return;
    if (frame.kind === "authenticated") return this.#brief(this.#store.meta!, state, frame.stream);
    this.#store.event("transfer.briefing_heard");
    await this.#moveTargetIntoConference(state);
  }

  briefingClosed(ws: WebSocket, code: number, reason: string): void {
    this.#briefing.closed(ws, code, reason);
  }

  async #brief(meta: CallMeta, state: WarmTransferState, stream: TwilioStream): Promise<void> {
    const text = state.briefing;
    const agent = await agentVersionConfig(this.#env, meta.accountId, meta.agentId, meta.agentVersion);
    const voice = agent?.config.voice ?? "aura-2-thalia-en";
    this.#store.event("transfer.briefing_started", { voice, text });
    const spoken = await speakBriefing(this.#env, voice, text, stream, {
      sentMark: () => this.#store.event("transfer.briefing_sent"),
      failed: (error) => {
        // Without a briefing the target still gets the caller.
        this.#store.event("transfer.briefing_failed", { error: error.message });
        const current = this.#state;
        if (current?.phase === "briefing") void this.#host.tasks.run("transfer.bridge", () => this.#moveTargetIntoConference(current), () => {});
      },
    });
    this.#store.event("transfer.briefing_tts", { characters: spoken.characters });
    // Billed like the conversation's speech: the call's usage (read and written with no await between) gains them.
    this.#store.put("usage", addUsage(this.#store.get<CallUsage>("usage"), speechOnlyUsage(spoken.characters)));
  }

  /**
   * The agent leaves: the target's leg is redirected into the conference, where the caller is waiting. Never
   * rejects: a refused redirect (or a missing credential) fails the transfer, which takes the caller back.
   */
  async #moveTargetIntoConference(state: WarmTransferState): Promise<void> {
    const meta = this.#store.meta!;
    this.#bridged(state, "briefed");
    try {
      await this.#legs(meta).bridgeTarget(state.targetSid!);
    } catch (error) {
      await this.#fail(state, "bridge_error", failureData(error), true);
    }
  }

  #bridged(state: WarmTransferState, how: string): void {
    state.phase = "bridged";
    state.deadline = Date.now() + state.bridgedMaxMs;
    this.#save(state, "transfer.bridged", { how, target_call_sid: state.targetSid, max_ms: state.bridgedMaxMs });
    this.#host.setDeadline("transfer", state.deadline);
    this.#store.event("call.transferred", this.#record(state, state.targetSid!));
    emitCallTransferred(this.#env, this.#store.meta!, this.#record(state, state.targetSid!));
  }

  /** The transfer did not happen: the target leg (if any) is ended and the caller goes back to the agent. */
  async #fail(state: WarmTransferState, reason: string, data: Record<string, unknown>, force = false): Promise<void> {
    if (!force && !IN_FLIGHT.has(state.phase)) return;
    const legs = this.#legs(this.#store.meta!);
    state.phase = "failed";
    state.returnLine = returnLineFor(reason);
    this.#save(state, "transfer.failed", { mode: "warm", to: state.to, reason, ...data });
    if (state.targetSid && !reason.startsWith("target_")) {
      await legs.hangUp(state.targetSid).catch((error) => this.#store.event("transfer.target_release_failed", failureData(error)));
    }
    try {
      await legs.returnCaller(state.callerSid);
      this.#store.event("transfer.caller_returned");
    } catch (error) {
      this.#store.event("transfer.caller_return_failed", failureData(error));
    }
  }

  /**
   * The transfer's deadline: a transfer still dialing or briefing past it has failed. A bridged call past its
   * deadline is no longer held open: returns the reason the call ends with.
   */
  async onDeadline(now: number): Promise<string | null> {
    const state = this.#state;
    if (!state) return null;
    if (now < state.deadline) {
      this.#host.setDeadline("transfer", state.deadline);
      return null;
    }
    if (IN_FLIGHT.has(state.phase)) await this.#fail(state, `timeout_${state.phase}`, {});
    if (state.phase !== "bridged") return null;
    this.#store.event("transfer.unconfirmed", { bridged_for_ms: state.bridgedMaxMs });
    return "transfer_unconfirmed";
  }

  /** The caller's call ended: a target still ringing, being briefed, or left alone in the conference is hung up. */
  async callEnded(): Promise<void> {
    const state = this.#state;
    if (!state?.targetSid || state.phase === "failed") return;
    this.#briefing.close("call ended");
    try {
      await this.#legs(this.#store.meta!).hangUp(state.targetSid);
      this.#store.event("transfer.target_released", { target_call_sid: state.targetSid });
    } catch (error) {
      // Twilio 20404: the target's leg had already ended.
      this.#store.event("transfer.target_release_failed", failureData(error));
    }
  }

  /** Said once by the agent when the caller's stream comes back after a failed transfer. */
  takeReturnLine(): string | undefined {
    const state = this.#state;
    if (!state?.returnLine) return undefined;
    const line = state.returnLine;
    this.#save({ ...state, returnLine: null });
    return line;
  }
}
