import { DurableObject } from "cloudflare:workers";
import { verifyStreamToken } from "../shared/auth/stream-token.ts";
import { base64ToBytes } from "../shared/crypto/base64.ts";
import { recordSecurityEvent } from "../shared/db/security-events.ts";
import type { TwilioMessage } from "../shared/protocol/twilio-media.ts";
import { adoptTwilioDuration, deliverFinishedCall, type CallOutcome } from "./call/call-finalizer.ts";
import { CallRuntime } from "./call/call-runtime.ts";
import { CallStore, type CallMeta } from "./call/call-store.ts";
import { HOLD_LINE, type ControlResult, type TransferRecord, type TransferRequest } from "./call/call-transfer.ts";
import { CallTransfers, type TargetLegEvent } from "./call/warm-transfer.ts";
import { emptyStreamCounters, TwilioStream, type StreamCounters } from "./call/twilio-stream.ts";
import { addUsage, type CallUsage } from "./call/usage-meter.ts";
import { LEASE_TTL_MS } from "./account-gate.ts";
import { eq } from "drizzle-orm";
import { database } from "../shared/db/client.ts";
import { accounts, calls } from "../shared/db/schema.ts";
import { twilioClient, twilioCredentialsForAccount } from "../shared/twilio/twilio-credentials.ts";
import type { TwilioClient } from "../shared/twilio/twilio-client.ts";

/** What Twilio should do when the media stream ends on purpose (asked through `<Connect action>`). */
export type StreamExit = { kind: "hangup"; reason: string } | { kind: "transfer"; to: string } | { kind: "apology" };

/** A deadline by which the call ends unless a stream is live again, and the reason it ends with. */
interface EndBy {
  at: number;
  reason: string;
}

const LEASE_RENEW_MS = LEASE_TTL_MS / 3;
/** Twilio asks `<Connect action>` as soon as a stream ends and reconnects within a second or two if the call is up. */
const STREAM_RECOVERY_GRACE_MS = 10_000;
/** A machine answered: Twilio plays the voicemail message and reports the final status; end anyway if it never does. */
const MACHINE_ANSWER_MAX_MS = 120_000;
/** Ringing (60 s), answering-machine detection (30 s) and the stream upgrade fit well within this. */
const STREAM_START_MAX_MS = 180_000;
/** The longest a warm transfer waits for the agent's "please hold" to be heard before moving the caller. */
const HOLD_LINE_MAX_MS = 8_000;
/** Unauthenticated sockets kept beside the live one: replayed upgrades must not pile up open sockets. */
const MAX_PENDING_STREAMS = 2;

const exitReason = (exit: StreamExit | undefined): string =>
  !exit ? "stream_closed" : exit.kind === "hangup" ? exit.reason : exit.kind === "transfer" ? "transferred" : "apology";

/**
 * One object per call, named by call id: it holds the Twilio media stream and runs the voice pipeline.
 * A thin shell: platform entry points (fetch, webSocketMessage, webSocketClose, alarm) and control RPCs
 * delegate to the call's runtime and small collaborators in ./call and ./pipeline.
 */
export class CallSession extends DurableObject<Env> {
  readonly #store: CallStore;
  /** The authenticated stream the agent speaks on. */
  #stream: TwilioStream | undefined;
  /** Sockets upgraded but not yet authenticated by their `start`; the live stream is untouched until one is. */
  readonly #pending = new Map<WebSocket, TwilioStream>();
  readonly #counters: StreamCounters;
  #runtime: CallRuntime | undefined;
  #starting: Promise<CallRuntime> | undefined;
  #delivering: Promise<void> = Promise.resolve();
  readonly #transfers: CallTransfers;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new CallStore(ctx.storage.sql);
    this.#counters = this.#store.get<StreamCounters>("streamCounters") ?? emptyStreamCounters();
    this.#transfers = new CallTransfers(ctx, env, this.#store, (at) => void this.#setAlarm(at), () => this.#sayHoldLine());
    for (const ws of ctx.getWebSockets("twilio")) {
      const stream = this.#newStream(ws);
      if (stream.attachment.authenticated) this.#stream = stream;
      else this.#pending.set(ws, stream);
    }
  }

  /** Called as soon as the call is accepted (voice webhook) or placed (outbound API), before the stream opens. */
  async prepare(meta: CallMeta, variables: Record<string, string> = {}): Promise<void> {
    if (this.#store.meta) return;
    this.#store.put("meta", meta);
    this.#store.put("variables", variables);
    this.#store.event("call.accepted", { direction: meta.direction });
    this.#store.put("leaseRenewedAt", Date.now());
    // The lease is renewed from the alarm, also while an outbound call rings (and runs answering-machine detection);
    // a call whose stream never comes must not hold its slot for ever.
    await this.#setAlarm(Date.now() + LEASE_RENEW_MS);
    await this.#endBy({ at: Date.now() + STREAM_START_MAX_MS, reason: "stream_not_started" });
  }

  state() {
    return {
      meta: this.#store.meta,
      ended: this.#store.get<CallOutcome>("outcome") !== undefined,
      stream: { connected: !!this.#stream, authenticated: this.#stream?.attachment.authenticated ?? false, counters: { ...this.#counters } },
      turns: this.#store.turns(),
    };
  }

  events() {
    return this.#store.events();
  }

  /** An outbound call's Twilio CallSid, known once Twilio accepted the call. */
  setCallSid(callSid: string): void {
    this.#store.put("callSid", callSid);
  }

  recordEvent(type: string, data?: Record<string, string | number | boolean | null>): void {
    this.#store.event(type, data);
  }

  /**
   * An outbound call answered by a machine: Twilio plays the voicemail message (or hangs up) and then reports the
   * final status with the duration, which ends the call with `endReason`.
   */
  async machineAnswered(endReason: string): Promise<void> {
    this.#store.put("endReason", endReason);
    this.#store.event("call.answered_by_machine", { end_reason: endReason });
    await this.#endBy({ at: Date.now() + MACHINE_ANSWER_MAX_MS, reason: endReason });
  }

  /** Hands the caller over to a person (API request); the transfer is recorded on the call (./call/warm-transfer.ts). */
  transfer(req: TransferRequest): Promise<ControlResult<TransferRecord>> {
    return this.#transfers.start(req);
  }

  /** A signed webhook about a warm transfer's target leg; returns that leg's TwiML where Twilio asked for some. */
  transferTargetLeg(event: TargetLegEvent): Promise<{ twiml: string | null }> {
    return this.#transfers.targetLeg(event);
  }

  /** Asked when Twilio reports the stream ended (`<Connect action>`): what Twilio should do next. */
  async recoverStream(maxRecoveries: number): Promise<{ resume: boolean; attempt: number; exit: StreamExit | null }> {
    const exit = this.#store.get<StreamExit>("streamExit") ?? null;
    const attempt = (this.#store.get<number>("recoveries") ?? 0) + (exit ? 0 : 1);
    const resume = !exit && !this.#store.get("outcome") && attempt <= maxRecoveries;
    this.#store.event(resume ? "stream.recovering" : "stream.not_recovered", { attempt, exit: exit?.kind ?? null });
    if (resume) {
      this.#store.put("recoveries", attempt);
      // The new stream is on its way: give it the full grace from now.
      await this.#endBy({ at: Date.now() + STREAM_RECOVERY_GRACE_MS, reason: "stream_closed" });
    }
    return { resume, attempt, exit };
  }

  /** The Worker forwards the Twilio media-stream upgrade here. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    if (!this.#store.meta) return new Response("unknown call", { status: 404 });
    if (this.#store.get("outcome")) return new Response("call has ended", { status: 410 });
    if (this.#transfers.isBriefingUpgrade(request)) return this.#transfers.acceptBriefing();
    const { 0: client, 1: server } = new WebSocketPair();
    // The upgrade's signature covers a fixed URL and can be replayed: the live stream stays until this socket's
    // `start` token checks out.
    this.ctx.acceptWebSocket(server, ["twilio"]);
    const stream = this.#newStream(server);
    stream.attachment = { authenticated: false, streamSid: null };
    this.#pending.set(server, stream);
    for (const stale of [...this.#pending.values()].slice(0, -MAX_PENDING_STREAMS)) {
      this.#pending.delete(stale.ws);
      stale.close(1008, "superseded by a newer stream");
    }
    this.#store.event("stream.connected");
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    // The caller's live stream is checked first: it sends a frame every 20 ms, and reading a socket's tags
    // (the briefing stream's mark) is a runtime call.
    if (this.#stream?.ws !== ws && this.#transfers.owns(ws)) return this.#transfers.briefingMessage(ws, data);
    const stream = this.#streamFor(ws);
    const message = stream.receive(data);
    if (!message) return;
    if (!stream.attachment.authenticated) return message.event === "start" ? this.#authenticate(stream, message) : undefined;
    if (stream !== this.#stream) return;
    const runtime = this.#runtime ?? (await this.#starting);
    if (!runtime) return;
    switch (message.event) {
      case "media":
        return runtime.pipeline.callerAudio(base64ToBytes(message.media.payload));
      case "mark":
        return runtime.pipeline.markPlayed(message.mark.name);
      case "dtmf":
        this.#store.event("caller.dtmf", { digit: message.dtmf.digit });
        return runtime.pipeline.callerDtmf(message.dtmf.digit);
      case "stop":
        this.#store.event("stream.stopped");
        return;
      default:
        return;
    }
  }

  /**
   * Twilio's socket closed: the provider sockets close at once (nobody is listening), and unless Twilio reconnects
   * through `<Connect action>` within a short grace (the new stream resumes from the stored turns), the call ends.
   */
  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (this.#transfers.owns(ws)) return this.#transfers.briefingClosed(ws, code, reason);
    if (this.#pending.delete(ws) || this.#stream?.ws !== ws) return;
    this.#stream = undefined;
    this.#store.event("stream.closed", { code, reason, counters: { ...this.#counters } });
    this.#saveCounters();
    await this.#retireRuntime()?.close("stream_closed");
    // A transfer moved the caller off the stream on purpose: Twilio's final status ends the call.
    if (this.#store.get("outcome") || this.#transfers.holdsCall()) return;
    await this.#endBy({ at: Date.now() + STREAM_RECOVERY_GRACE_MS, reason: exitReason(this.#store.get<StreamExit>("streamExit")) });
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    await this.webSocketClose(ws, 1011, String(error));
  }

  override async alarm(): Promise<void> {
    const meta = this.#store.meta;
    if (!meta) return;
    if (this.#store.get("outcome")) return this.#deliver();
    const endBy = this.#store.get<EndBy>("endBy");
    const transferEnd = await this.#transfers.onAlarm(Date.now());
    if (transferEnd) {
      await this.finalize({ status: "completed", endReason: transferEnd, durationSeconds: null });
      return;
    }
    if (endBy && !this.#stream && Date.now() >= endBy.at && !this.#transfers.holdsCall()) {
      await this.finalize({ status: "completed", endReason: endBy.reason, durationSeconds: null });
      return;
    }
    if (!(await this.#keepLease(meta))) return;
    this.#runtime?.onAlarm();
    await this.#setAlarm((this.#store.get<number>("leaseRenewedAt") ?? Date.now()) + LEASE_RENEW_MS);
    if (endBy && !this.#stream) await this.#setAlarm(endBy.at);
  }

  /**
   * Ends the call: the conversation stops, and the record, transcript and usage are delivered (retried by alarm
   * until they are). Twilio's final status may come after the call ended early (voicemail, transfer, a lost
   * stream): its duration then completes the record and the usage event, which waits for it.
   */
  async finalize(outcome: Omit<CallOutcome, "endedAt"> & { endedAt?: string }): Promise<boolean> {
    const meta = this.#store.meta;
    if (!meta) return false;
    if (this.#store.get("outcome")) {
      if (adoptTwilioDuration(this.#store, outcome.durationSeconds)) await this.#deliver();
      return false;
    }
    // Everything up to the first await is synchronous, so a second finalize arriving meanwhile sees the outcome.
    const runtime = this.#retireRuntime();
    this.#saveCounters();
    const full: CallOutcome = {
      ...outcome,
      endReason: this.#store.get<string>("endReason") ?? outcome.endReason,
      endedAt: outcome.endedAt ?? new Date().toISOString(),
      usage: this.#store.get<Record<string, unknown>>("usage"),
      metrics: { stream: { ...this.#counters }, ...this.#store.get<Record<string, unknown>>("pipelineMetrics"), ...outcome.metrics },
    };
    this.#store.put("outcome", full);
    this.#store.event("call.ended", { status: full.status, reason: full.endReason });
    await this.#transfers.callEnded();
    await runtime?.close(full.endReason);
    for (const stream of [this.#stream, ...this.#pending.values()]) stream?.close(1000, "call ended");
    await this.ctx.storage.deleteAlarm();
    await this.#deliver();
    return true;
  }

  /** Only `connected` and a `start` carrying a valid token for this call bind a socket to the call. */
  async #authenticate(stream: TwilioStream, message: Extract<TwilioMessage, { event: "start" }>): Promise<void> {
    const meta = this.#store.meta!;
    const params = message.start.customParameters ?? {};
    const check = params.call_id === meta.callId ? await verifyStreamToken(this.env.JWT_SECRET, params.token, meta.callId) : ({ ok: false, reason: "wrong_call" } as const);
    if (!check.ok) {
      this.#pending.delete(stream.ws);
      this.#store.event("stream.rejected", { reason: check.reason });
      await recordSecurityEvent(this.env, { kind: "stream_token_invalid", path: `/twilio/stream/${meta.callId}`, accountId: meta.accountId, detail: { reason: check.reason } });
      stream.close(1008, `stream token ${check.reason}`);
      return;
    }
    this.#pending.delete(stream.ws);
    stream.attachment = { authenticated: true, streamSid: message.start.streamSid };
    const previous = this.#stream;
    this.#stream = stream;
    previous?.close(1000, "replaced by a new stream");
    this.#store.put("callSid", message.start.callSid);
    this.#store.put("endBy", null);
    this.#store.event("stream.started", { stream_sid: message.start.streamSid, replaced: !!previous });
    if (this.#runtime) {
      // The same object, a new stream: whatever was playing on the old one is gone.
      this.#runtime.pipeline.interrupt("new_turn");
      this.#runtime.pipeline.say("Sorry about that. I'm back.", "greeting");
      return;
    }
    this.#starting = this.#startRuntime();
    try {
      this.#runtime = await this.#starting;
    } catch (error) {
      this.#starting = undefined;
      this.#store.event("call.runtime_failed", { error: String(error) });
      console.error(JSON.stringify({ level: "error", message: "call runtime failed to start", call_id: meta.callId, error: String((error as Error)?.stack ?? error) }));
      this.#endStream({ kind: "apology" });
    }
  }

  #startRuntime(): Promise<CallRuntime> {
    return CallRuntime.start(
      this.env,
      this.#store,
      {
        sendMedia: (payload) => this.#stream?.sendMedia(payload) ?? false,
        sendMark: (name) => this.#stream?.sendMark(name) ?? false,
        sendClear: () => this.#stream?.sendClear() ?? false,
      },
      {
        afterReply: (after) =>
          after.action === "transfer" && after.mode === "warm"
            ? void this.#warmTransferByAgent(after.to)
            : this.#endStream(after.action === "hang_up" ? { kind: "hangup", reason: after.reason } : { kind: "transfer", to: after.to }),
        startRecording: () => void this.#startRecording(),
        providerFailed: (error) => {
          this.#store.event("provider.failed", { provider: error.provider, message: error.message });
          this.#endStream({ kind: "apology" });
        },
        setAlarm: (at) => void this.#setAlarm(at),
        log: (level, message, data) => console[level](JSON.stringify({ level, message, call_id: this.#store.meta?.callId, ...data })),
      },
      this.#transfers.takeReturnLine(),
    );
  }

  /**
   * Takes the runtime out of service (its usage and metrics kept in storage, so a resumed stream's runtime adds to
   * them) and returns it for closing; synchronous up to the caller's await.
   */
  #retireRuntime(): CallRuntime | undefined {
    const runtime = this.#runtime;
    this.#runtime = undefined;
    this.#starting = undefined;
    if (!runtime) return undefined;
    this.#store.put("usage", addUsage(this.#store.get<CallUsage>("usage"), runtime.usageSnapshot()));
    this.#store.put("pipelineMetrics", runtime.metricsSnapshot());
    return runtime;
  }

  /**
   * Renews the call's concurrency lease when due. A lease that lapsed (the gate reclaimed it) is taken again if
   * the account has a free slot; otherwise the call ends politely. False when the call is ending.
   */
  async #keepLease(meta: CallMeta): Promise<boolean> {
    if (Date.now() - (this.#store.get<number>("leaseRenewedAt") ?? 0) < LEASE_RENEW_MS) return true;
    this.#store.put("leaseRenewedAt", Date.now());
    const gate = this.env.ACCOUNT_GATE.get(this.env.ACCOUNT_GATE.idFromName(meta.accountId));
    if (await gate.renew(meta.callId)) return true;
    const account = await database(this.env.DB).select({ limit: accounts.maxConcurrentCalls }).from(accounts).where(eq(accounts.id, meta.accountId)).get();
    const again = await gate.admit(meta.callId, account?.limit ?? 0);
    if (again.admitted) {
      this.#store.event("lease.readmitted", { active: again.active });
      return true;
    }
    this.#store.event("lease_lost", { active: again.active, limit: again.limit });
    await this.#endPolitely("lease_lost");
    return false;
  }

  /** In conversation: the agent's closing line, then a hang-up. Not yet (ringing): hang up through Twilio. */
  async #endPolitely(reason: string): Promise<void> {
    this.#store.put("endReason", reason);
    if (this.#runtime) {
      this.#runtime.pipeline.say(this.#runtime.config.closing_message, "closing");
      return;
    }
    const row = await database(this.env.DB).select({ status: calls.status }).from(calls).where(eq(calls.id, this.#store.meta!.callId)).get();
    const answered = row?.status === "in-progress";
    const leg = await this.#twilioLeg();
    if (leg) {
      try {
        await leg.twilio.updateCall(leg.callSid, { status: answered ? "completed" : "canceled" });
      } catch (error) {
        this.#store.event("hangup.failed", { error: String(error) });
      }
    }
    await this.finalize({ status: answered ? "completed" : "canceled", endReason: reason, durationSeconds: null });
  }

  /** The caller's Twilio leg with a client holding the tenant's credentials; undefined without either. */
  async #twilioLeg(): Promise<{ twilio: TwilioClient; callSid: string } | undefined> {
    const callSid = this.#store.callSid;
    const creds = await twilioCredentialsForAccount(this.env, this.#store.meta!.accountId);
    return callSid && creds ? { twilio: twilioClient(this.env, creds), callSid } : undefined;
  }

  /** Dual-channel recording through Twilio's call recordings API; its status callback stores the outcome. */
  async #startRecording(): Promise<void> {
    const meta = this.#store.meta!;
    const leg = await this.#twilioLeg();
    if (!leg) return;
    try {
      const recording = await leg.twilio.startRecording(leg.callSid, `${meta.publicBaseUrl}/twilio/recording/${meta.callId}`);
      this.#store.event("recording.started", { recording_sid: recording.sid });
      await database(this.env.DB).update(calls).set({ recordingSid: recording.sid, recordingStatus: recording.status }).where(eq(calls.id, meta.callId)).run();
    } catch (error) {
      this.#store.event("recording.failed", { error: String(error) });
    }
  }

  /** The agent's own warm transfer. Should Twilio refuse to move the caller, they are still here: the agent says so. */
  async #warmTransferByAgent(to: string): Promise<void> {
    const result = await this.#transfers.start({ to, mode: "warm", requestedBy: "agent" });
    const line = result.ok ? undefined : this.#transfers.takeReturnLine();
    if (line && this.#stream) this.#runtime?.pipeline.say(line, "greeting");
  }

  /** Before a warm transfer's hold, while the caller's stream is up: the agent's own "please hold", heard out. */
  async #sayHoldLine(): Promise<void> {
    const runtime = this.#runtime;
    if (!runtime || !this.#stream) return;
    const turnId = runtime.pipeline.say(HOLD_LINE, "greeting");
    await new Promise<void>((resolve) => {
      // A caller talking over it, or a line that never finishes playing, must not hold the transfer up.
      const timer = setTimeout(resolve, HOLD_LINE_MAX_MS);
      runtime.pipeline.observe((frame) => {
        const done = (frame.kind === "playback_done" && frame.turnId === turnId) || (frame.kind === "interrupt" && frame.reason === "barge_in") || frame.kind === "end";
        if (!done) return;
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Ends the media stream on purpose; Twilio then asks `<Connect action>`, which answers with `exit`. */
  #endStream(exit: StreamExit): void {
    this.#store.put("streamExit", exit);
    this.#store.event("stream.exit", exit);
    this.#stream?.close(1000, exit.kind);
  }

  #newStream(ws: WebSocket): TwilioStream {
    return new TwilioStream(ws, this.#counters, () => this.#saveCounters());
  }

  #streamFor(ws: WebSocket): TwilioStream {
    if (this.#stream?.ws === ws) return this.#stream;
    const pending = this.#pending.get(ws);
    if (pending) return pending;
    const stream = this.#newStream(ws);
    if (stream.attachment.authenticated && !this.#stream) this.#stream = stream;
    else this.#pending.set(ws, stream);
    return stream;
  }

  /** Drop counters are written when they change, the rest with them and when a stream closes or the call ends. */
  #saveCounters(): void {
    this.#store.put("streamCounters", this.#counters);
  }

  async #endBy(endBy: EndBy): Promise<void> {
    this.#store.put("endBy", endBy);
    await this.#setAlarm(endBy.at);
  }

  /** Delivery runs one at a time: a late Twilio status and a retry alarm must not both send the usage event. */
  #deliver(): Promise<void> {
    const meta = this.#store.meta!;
    const run = this.#delivering.then(async () => {
      const retryAt = await deliverFinishedCall(this.env, meta, this.#store);
      if (retryAt !== null) await this.ctx.storage.setAlarm(retryAt);
    });
    this.#delivering = run.catch(() => {});
    return run;
  }

  /** One alarm per object: keep the earliest of the deadlines asked for. */
  async #setAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current || current <= Date.now()) await this.ctx.storage.setAlarm(at);
  }
}
