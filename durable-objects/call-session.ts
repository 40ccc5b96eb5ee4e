import { DurableObject } from "cloudflare:workers";
import { emitCallEvent } from "../shared/webhooks/call-events.ts";
import type { TwilioMessage } from "../shared/protocol/twilio-media.ts";
import { BackgroundTasks } from "./call/background-tasks.ts";
import { adoptTwilioDuration, deliverFinishedCall, purgeDeliveredCall, type CallOutcome } from "./call/call-finalizer.ts";
import { LEASE_RENEW_MS, renewLease } from "./call/call-lease.ts";
import { startRecording } from "./call/call-recording.ts";
import { CallRuntime } from "./call/call-runtime.ts";
import { CallStore, type CallMeta } from "./call/call-store.ts";
import { HOLD_LINE, type ControlResult, type TransferRecord, type TransferRequest } from "./call/call-transfer.ts";
import { hangUpCaller } from "./call/caller-leg.ts";
import { onCallerFrame } from "./call/caller-frames.ts";
import { CallerStreams } from "./call/caller-streams.ts";
import { Deadlines, type DeadlineName } from "./call/deadlines.ts";
import { heardOrTimeout } from "./call/hold-line.ts";
import { LiveTranscript, type LiveOpen } from "./call/live-transcript.ts";
import { providerFailed } from "./call/provider-failure.ts";
import { RuntimeSlot } from "./call/runtime-slot.ts";
import { exitReason, type StreamExit } from "./call/stream-exit.ts";
import { StreamGrace } from "./call/stream-grace.ts";
import { addUsage, type CallUsage } from "./call/usage-meter.ts";
import { CallTransfers, returnLineFor, type TargetLegEvent } from "./call/warm-transfer.ts";

export type { StreamExit } from "./call/stream-exit.ts";

/**
 * One object per call, named by call id: it holds the Twilio media stream and runs the voice pipeline. A thin
 * shell: the platform entry points (fetch, webSocketMessage, webSocketClose, alarm) and the control RPCs delegate
 * to units in ./call, one job each: the caller's sockets (caller-streams) and frames (caller-frames), the named
 * deadlines behind the one alarm (deadlines), how long the call may lack a stream (stream-grace), the lease (call-lease), Twilio hang-up (caller-leg), recording (call-recording), the hold line
 * (hold-line), background work (background-tasks), the runtime's life (runtime-slot, call-runtime), transfers
 * (warm-transfer) and delivery (call-finalizer).
 */
export class CallSession extends DurableObject<Env> {
  #store: CallStore;
  #deadlines: Deadlines;
  readonly #grace: StreamGrace;
  readonly #streams: CallerStreams;
  readonly #runtime = new RuntimeSlot<CallRuntime>();
  readonly #tasks: BackgroundTasks;
  readonly #transfers: CallTransfers;
  readonly #live: LiveTranscript;
  #delivering: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new CallStore(ctx.storage.sql);
    this.#deadlines = new Deadlines(this.#store, ctx.storage);
    this.#grace = new StreamGrace(this.#store, this.#deadlines);
    // Sockets accepted without hibernation (a media lever) report here, not through webSocketMessage/webSocketClose.
    this.#streams = new CallerStreams(ctx, env, this.#store, { message: (ws, data) => this.#callerMessage(ws, data), close: (ws, code, reason) => this.#callerClosed(ws, code, reason) });
    this.#live = new LiveTranscript(this.#store);
    this.#tasks = new BackgroundTasks(this.#store, (level, message, data) => this.#log(level, message, data), (p) => ctx.waitUntil(p));
    this.#transfers = new CallTransfers(ctx, env, this.#store, {
      setDeadline: (name, at) => this.#deadlines.set(name, at),
      sayHoldLine: () => this.#sayHoldLine(),
      tasks: this.#tasks,
    });
  }

  /** Called as soon as the call is accepted (voice webhook) or placed (outbound API), before the stream opens. */
  async prepare(meta: CallMeta, variables: Record<string, string> = {}): Promise<void> {
    if (this.#store.meta) return;
    this.#store.put("meta", meta);
    this.#store.put("variables", variables);
    this.#store.event("call.accepted", { direction: meta.direction });
    emitCallEvent(this.env, meta, "call.started", {}, "started", (p) => this.ctx.waitUntil(p));
    // The lease is renewed from the alarm, also while an outbound call rings (and runs answering-machine detection);
    // a call whose stream never comes must not hold its slot for ever.
    this.#deadlines.set("lease", Date.now() + LEASE_RENEW_MS);
    this.#grace.awaitStart();
  }

  state() {
    const live = this.#streams.live;
    return {
      meta: this.#store.meta,
      ended: this.#store.get<CallOutcome>("outcome") !== undefined,
      stream: { connected: !!live, authenticated: live?.attachment.authenticated ?? false, counters: { ...this.#streams.counts.counters } },
      turns: this.#store.turns(),
    };
  }

  events() {
    return this.#store.events();
  }

  /**
   * Erasure and retention: a delivered call's object drops its tombstone too (it names the caller), so a late
   * webhook finds no call. A call still running or delivering keeps everything: false, and D1 holds nothing yet.
   */
  forget(): boolean {
    if (!this.#store.get<{ purged?: boolean }>("delivery")?.purged) return false;
    this.#store.purge([]);
    return true;
  }

  /** A one-time ticket to open this call's live transcript (./call/live-transcript.ts); null if not the account's. */
  issueLiveTicket(accountId: string): { ticket: string; expiresAt: number } | null {
    return this.#live.issue(accountId);
  }

  /** Redeems a ticket: the live transcript as Server-Sent Events, or why not. */
  openLive(ticket: string): LiveOpen {
    return this.#live.open(ticket);
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
    this.#grace.machineAnswered(endReason);
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
    return this.#grace.recover(maxRecoveries);
  }

  /** The Worker forwards the Twilio media-stream upgrade here. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    if (!this.#store.meta) return new Response("unknown call", { status: 404 });
    if (this.#store.get("outcome")) return new Response("call has ended", { status: 410 });
    if (this.#transfers.isBriefingUpgrade(request)) return this.#transfers.acceptBriefing();
    return this.#streams.accept();
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    // The caller's live stream is checked first: it sends a frame every 20 ms, and reading a socket's tags
    // (the briefing stream's mark) is a runtime call.
    if (this.#streams.live?.ws !== ws && this.#transfers.owns(ws)) return this.#transfers.briefingMessage(ws, data);
    return this.#callerMessage(ws, data);
  }

  async #callerMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const stream = this.#streams.streamFor(ws);
    const message = stream.receive(data);
    if (!message) return;
    if (!stream.attachment.authenticated) return message.event === "start" ? this.#streamStarted(stream, message) : undefined;
    if (stream !== this.#streams.live) return;
    // Every 20 ms: no await (not even a resolved one) once the runtime is up.
    const runtime = this.#runtime.current ?? (await this.#runtime.ready());
    if (runtime) onCallerFrame(message, runtime, this.#store);
  }

  /**
   * Twilio's socket closed: the provider sockets close at once (nobody is listening), and unless Twilio reconnects
   * through `<Connect action>` within a short grace (the new stream resumes from the stored turns), the call ends.
   */
  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (this.#transfers.owns(ws)) return this.#transfers.briefingClosed(ws, code, reason);
    return this.#callerClosed(ws, code, reason);
  }

  async #callerClosed(ws: WebSocket, code: number, reason: string): Promise<void> {
    // A stream closed by the call's end changes nothing: the call's records may already be delivered and purged.
    if (!this.#streams.closed(ws) || this.#store.get("outcome")) return;
    this.#streams.counts.save();
    this.#store.event("stream.closed", { code, reason, counters: { ...this.#streams.counts.counters } });
    const runtime = this.#retireRuntime();
    // The end deadline is saved before anything is awaited: an eviction while the runtime closes must not lose it.
    // A transfer moved the caller off the stream on purpose: Twilio's final status ends the call.
    if (!this.#transfers.holdsCall()) this.#grace.lost(exitReason(this.#store.get<StreamExit>("streamExit")));
    await runtime?.close("stream_closed");
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    await this.webSocketClose(ws, 1011, String(error));
  }

  /** Every deadline that is due runs, earliest first; the alarm then moves to the next one (./call/deadlines.ts). */
  override async alarm(): Promise<void> {
    const meta = this.#store.meta;
    if (!meta) return;
    const due = this.#deadlines.takeDue(Date.now());
    if (this.#store.get("outcome")) return this.#deliver();
    for (const name of due) {
      await this.#onDeadline(name, meta);
      if (this.#store.get("outcome")) return;
    }
  }

  async #onDeadline(name: DeadlineName, meta: CallMeta): Promise<void> {
    switch (name) {
      case "lease": {
        const end = await renewLease(this.env, meta, this.#store);
        if (end) await this.#endPolitely(end);
        else this.#deadlines.set("lease", Date.now() + LEASE_RENEW_MS);
        return;
      }
      case "end_by": {
        const reason = this.#grace.dueReason();
        if (reason && !this.#streams.live && !this.#transfers.holdsCall()) await this.finalize({ status: "completed", endReason: reason, durationSeconds: null });
        return;
      }
      case "transfer": {
        const transferEnd = await this.#transfers.onDeadline(Date.now());
        if (transferEnd) await this.finalize({ status: "completed", endReason: transferEnd, durationSeconds: null });
        return;
      }
      case "call_timers":
      case "hangup":
        return this.#runtime.current?.onDeadline(name);
      case "delivery":
        return; // only pending once the call has ended (see alarm)
    }
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
    this.#streams.counts.save();
    const full: CallOutcome = {
      ...outcome,
      endReason: this.#store.get<string>("endReason") ?? outcome.endReason,
      endedAt: outcome.endedAt ?? new Date().toISOString(),
      usage: this.#store.get<Record<string, unknown>>("usage"),
      metrics: { stream: { ...this.#streams.counts.counters }, ...this.#store.get<Record<string, unknown>>("pipelineMetrics"), ...outcome.metrics },
    };
    this.#store.put("outcome", full);
    emitCallEvent(this.env, meta, "call.ended", { status: full.status, end_reason: full.endReason, ended_at: full.endedAt, duration_seconds: full.durationSeconds }, "ended", (p) => this.ctx.waitUntil(p));
    this.#store.event("call.ended", { status: full.status, reason: full.endReason });
    this.#live.ended(full);
    this.#deadlines.clearAll();
    await this.#transfers.callEnded();
    await runtime?.close(full.endReason);
    this.#streams.closeAll(1000, "call ended");
    await this.#deliver();
    return true;
  }

  /** A socket's `start`: once its token checks out it becomes the live stream, and the conversation (re)starts on it. */
  async #streamStarted(stream: ReturnType<CallerStreams["streamFor"]>, message: Extract<TwilioMessage, { event: "start" }>): Promise<void> {
    const auth = await this.#streams.authenticate(stream, message);
    if (!auth.ok) return;
    emitCallEvent(this.env, this.#store.meta!, "call.answered", { answered_at: new Date().toISOString() }, "answered", (p) => this.ctx.waitUntil(p));
    this.#grace.started();
    const current = this.#runtime.current;
    if (current) {
      // The same object, a new stream: whatever was playing on the old one is gone.
      current.pipeline.interrupt("new_turn");
      current.speak("resume", "Sorry about that. I'm back.");
      return;
    }
    try {
      // Undefined when the call ended (or the stream was replaced) while the runtime was starting: the slot closed it.
      await this.#runtime.start(() => this.#startRuntime());
    } catch (error) {
      this.#store.event("call.runtime_failed", { error: String(error) });
      this.#log("error", "call runtime failed to start", { error: String((error as Error)?.stack ?? error) });
      this.#endStream({ kind: "apology" });
    }
  }

  #startRuntime(): Promise<CallRuntime> {
    return CallRuntime.start(
      this.env,
      this.#store,
      {
        sendMedia: (payload) => this.#streams.live?.sendMedia(payload) ?? false,
        sendMark: (name) => this.#streams.live?.sendMark(name) ?? false,
        sendClear: () => this.#streams.live?.sendClear() ?? false,
      },
      {
        afterReply: (after) => {
          if (after.action === "transfer" && after.mode === "warm") return this.#warmTransferByAgent(after.to);
          if (after.action === "hang_up" && after.reason.startsWith("apology")) return this.#endStream({ kind: "apology", spoken: after.reason === "apology" });
          this.#endStream(after.action === "hang_up" ? { kind: "hangup", reason: after.reason } : { kind: "transfer", to: after.to });
        },
        startRecording: () =>
          void this.#tasks.run(
            "recording",
            () => startRecording(this.env, this.#store),
            () => {}, // the call goes on unrecorded: the failure is in its events
          ),
        providerFailed: (error) =>
          providerFailed(error, {
            store: this.#store,
            runtime: this.#runtime.current,
            streamLive: !!this.#streams.live,
            endStream: (exit) => this.#endStream(exit),
            log: (level, message, data) => this.#log(level, message, data),
          }),
        setDeadline: (name, at) => this.#deadlines.set(name, at),
        log: (level, message, data) => this.#log(level, message, data),
        turnFinished: this.#live.turnFinished,
      },
      this.#transfers.takeReturnLine(),
    );
  }

  /** Takes the runtime out of service (usage and metrics kept in storage, so a resumed stream's runtime adds to them). */
  #retireRuntime(): CallRuntime | undefined {
    const runtime = this.#runtime.retire();
    if (!runtime) return undefined;
    this.#store.put("usage", addUsage(this.#store.get<CallUsage>("usage"), runtime.usageSnapshot()));
    this.#store.put("pipelineMetrics", runtime.metricsSnapshot());
    return runtime;
  }

  /** In conversation: the agent's closing line, then a hang-up by its deadline. Not yet (ringing): hang up through Twilio. */
  async #endPolitely(reason: string): Promise<void> {
    this.#store.put("endReason", reason);
    const runtime = this.#runtime.current;
    if (runtime) return runtime.sayClosing();
    const status = await hangUpCaller(this.env, this.#store);
    await this.finalize({ status, endReason: reason, durationSeconds: null });
  }

  /** The agent's own warm transfer. Should it not happen, the caller is still here: the agent says so. */
  #warmTransferByAgent(to: string): void {
    const sayReturnLine = (fallback?: string) => {
      const runtime = this.#runtime.current;
      // A caller already moved off the stream hears the line from the resumed stream's runtime.
      if (!runtime || !this.#streams.live) return;
      const line = this.#transfers.takeReturnLine() ?? fallback;
      if (line) runtime.speak("return_line", line);
    };
    void this.#tasks.run(
      "transfer.by_agent",
      async () => {
        if (!(await this.#transfers.start({ to, mode: "warm", requestedBy: "agent" })).ok) sayReturnLine();
      },
      () => sayReturnLine(returnLineFor("error")),
    );
  }

  /** Before a warm transfer's hold, while the caller's stream is up: the agent's own "please hold", heard out. */
  async #sayHoldLine(): Promise<void> {
    const runtime = this.#runtime.current;
    if (!runtime || !this.#streams.live) return;
    const turnId = runtime.speak("hold_line", HOLD_LINE);
    await heardOrTimeout((observer) => runtime.pipeline.observe(observer), turnId);
  }

  /** Ends the media stream on purpose; Twilio then asks `<Connect action>`, which answers with `exit`. */
  #endStream(exit: StreamExit): void {
    this.#store.put("streamExit", exit);
    this.#store.event("stream.exit", exit);
    this.#streams.live?.close(1000, exit.kind);
  }

  #log(level: "warn" | "error", message: string, data?: Record<string, unknown>): void {
    console[level](JSON.stringify({ level, message, call_id: this.#store.meta?.callId, ...data }));
  }

  /** Delivery runs one at a time: a late Twilio status and a retry alarm must not both send the usage event. */
  #deliver(): Promise<void> {
    const meta = this.#store.meta!;
    const run = this.#delivering.then(async () => {
      const retryAt = await deliverFinishedCall(this.env, meta, this.#store);
      if (retryAt !== null) return this.#deadlines.set("delivery", retryAt);
      // Delivered: the call's records live in D1 now; the object keeps its tombstone, and no alarm.
      purgeDeliveredCall(this.#store);
      await this.ctx.storage.deleteAlarm();
    });
    this.#delivering = run.catch(() => {});
    return run;
  }
}
