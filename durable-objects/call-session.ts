import { DurableObject } from "cloudflare:workers";
import { verifyStreamToken } from "../shared/auth/stream-token.ts";
import { base64ToBytes } from "../shared/crypto/base64.ts";
import { recordSecurityEvent } from "../shared/db/security-events.ts";
import type { TwilioMessage } from "../shared/protocol/twilio-media.ts";
import { persistFinishedCall, type CallOutcome } from "./call/call-finalizer.ts";
import { CallRuntime } from "./call/call-runtime.ts";
import { CallStore, type CallMeta } from "./call/call-store.ts";
import { transferCall, type TransferRecord, type TransferRequest } from "./call/call-transfer.ts";
import { TwilioStream } from "./call/twilio-stream.ts";
import { LEASE_TTL_MS } from "./account-gate.ts";
import { eq } from "drizzle-orm";
import { database } from "../shared/db/client.ts";
import { calls } from "../shared/db/schema.ts";
import { twilioClient, twilioCredentialsForAccount } from "../shared/twilio/twilio-credentials.ts";

/** What Twilio should do when the media stream ends on purpose (asked through `<Connect action>`). */
export type StreamExit = { kind: "hangup"; reason: string } | { kind: "transfer"; to: string } | { kind: "apology" };

const LEASE_RENEW_MS = LEASE_TTL_MS / 3;
/** A stream that closed and was not recovered: finalise the call even if Twilio's status callback never comes. */
const ORPHAN_STREAM_MS = 60_000;

/**
 * One object per call, named by call id: it holds the Twilio media stream and runs the voice pipeline.
 * A thin shell: platform entry points (fetch, webSocketMessage, webSocketClose, alarm) and control RPCs
 * delegate to the call's runtime and small collaborators in ./call and ./pipeline.
 */
export class CallSession extends DurableObject<Env> {
  readonly #store: CallStore;
  #stream: TwilioStream | undefined;
  #runtime: CallRuntime | undefined;
  #starting: Promise<CallRuntime> | undefined;
  #leaseRenewedAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new CallStore(ctx.storage.sql);
    const [ws] = ctx.getWebSockets("twilio");
    if (ws) this.#stream = new TwilioStream(ws);
  }

  /** Called as soon as the call is accepted (voice webhook) or placed (outbound API), before the stream opens. */
  prepare(meta: CallMeta, variables: Record<string, string> = {}): void {
    if (!this.#store.meta) {
      this.#store.put("meta", meta);
      this.#store.put("variables", variables);
      this.#store.event("call.accepted", { direction: meta.direction });
      this.#leaseRenewedAt = Date.now();
    }
  }

  state() {
    return {
      meta: this.#store.meta,
      ended: this.#store.get<CallOutcome>("outcome") !== undefined,
      stream: { connected: !!this.#stream, authenticated: this.#stream?.attachment.authenticated ?? false, counters: this.#stream?.counters ?? null },
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

  /** Hands the caller over to a person (API request); the transfer is recorded on the call. */
  async transfer(req: TransferRequest): Promise<TransferRecord> {
    const meta = this.#store.meta;
    const callSid = this.#store.get<string>("callSid") ?? meta?.callSid;
    if (!meta || !callSid) throw new Error("the call has no live Twilio leg to transfer");
    const record = await transferCall(this.env, meta, callSid, req, this.#store.turns());
    this.#store.event("call.transferred", record);
    return record;
  }

  /** Asked when Twilio reports the stream ended (`<Connect action>`): what Twilio should do next. */
  recoverStream(maxRecoveries: number): { resume: boolean; attempt: number; exit: StreamExit | null } {
    const exit = this.#store.get<StreamExit>("streamExit") ?? null;
    const attempt = (this.#store.get<number>("recoveries") ?? 0) + (exit ? 0 : 1);
    const resume = !exit && !this.#store.get("outcome") && attempt <= maxRecoveries;
    if (resume) this.#store.put("recoveries", attempt);
    this.#store.event(resume ? "stream.recovering" : "stream.not_recovered", { attempt, exit: exit?.kind ?? null });
    return { resume, attempt, exit };
  }

  /** The Worker forwards the Twilio media-stream upgrade here. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    if (!this.#store.meta) return new Response("unknown call", { status: 404 });
    if (this.#store.get("outcome")) return new Response("call has ended", { status: 410 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.#stream?.close(1000, "replaced by a new stream");
    this.ctx.acceptWebSocket(server, ["twilio"]);
    this.#stream = new TwilioStream(server);
    this.#stream.attachment = { authenticated: false, streamSid: null };
    this.#store.event("stream.connected");
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const stream = this.#stream?.ws === ws ? this.#stream : (this.#stream = new TwilioStream(ws));
    const message = stream.parse(data);
    if (!message) return;
    if (!stream.attachment.authenticated) return this.#beforeStart(stream, message);
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

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (this.#stream?.ws !== ws) return;
    this.#store.event("stream.closed", { code, reason, counters: this.#stream.counters });
    this.#stream = undefined;
    this.#store.put("streamClosedAt", Date.now());
    await this.#setAlarm(Date.now() + ORPHAN_STREAM_MS);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    await this.webSocketClose(ws, 1011, String(error));
  }

  override async alarm(): Promise<void> {
    const meta = this.#store.meta;
    if (!meta || this.#store.get("outcome")) return;
    const closedAt = this.#store.get<number>("streamClosedAt");
    if (!this.#stream && closedAt && Date.now() - closedAt >= ORPHAN_STREAM_MS) {
      await this.finalize({ status: "completed", endReason: "stream_closed", durationSeconds: null });
      return;
    }
    if (Date.now() - this.#leaseRenewedAt >= LEASE_RENEW_MS) {
      this.#leaseRenewedAt = Date.now();
      await this.env.ACCOUNT_GATE.get(this.env.ACCOUNT_GATE.idFromName(meta.accountId)).renew(meta.callId);
    }
    this.#runtime?.onAlarm();
    await this.#setAlarm(this.#leaseRenewedAt + LEASE_RENEW_MS);
  }

  /** Ends the call record. Idempotent: Twilio's final status callback and a closing stream may both arrive. */
  async finalize(outcome: Omit<CallOutcome, "endedAt"> & { endedAt?: string }): Promise<boolean> {
    const meta = this.#store.meta;
    if (!meta || this.#store.get("outcome")) return false;
    const full: CallOutcome = { ...outcome, endedAt: outcome.endedAt ?? new Date().toISOString() };
    this.#store.put("outcome", full);
    this.#store.event("call.ended", { status: full.status, reason: full.endReason });
    const runtime = this.#runtime;
    this.#runtime = undefined;
    await runtime?.close(full.endReason);
    this.#stream?.close(1000, "call ended");
    await this.ctx.storage.deleteAlarm();
    await persistFinishedCall(this.env, meta, this.#store, {
      ...full,
      usage: runtime?.usageSnapshot() as Record<string, unknown> | undefined,
      metrics: { stream: this.#stream?.counters ?? null, ...(runtime?.metricsSnapshot() ?? {}), ...full.metrics },
    });
    return true;
  }

  /** Only `connected` and an authenticated `start` are accepted before the stream is bound to this call. */
  async #beforeStart(stream: TwilioStream, message: TwilioMessage): Promise<void> {
    if (message.event === "connected") return;
    if (message.event !== "start") {
      stream.counters.frames_dropped_unauthenticated++;
      return;
    }
    const meta = this.#store.meta!;
    const params = message.start.customParameters ?? {};
    const check = params.call_id === meta.callId ? await verifyStreamToken(this.env.JWT_SECRET, params.token, meta.callId) : ({ ok: false, reason: "wrong_call" } as const);
    if (!check.ok) {
      this.#store.event("stream.rejected", { reason: check.reason });
      await recordSecurityEvent(this.env, { kind: "stream_token_invalid", path: `/twilio/stream/${meta.callId}`, accountId: meta.accountId, detail: { reason: check.reason } });
      stream.close(1008, `stream token ${check.reason}`);
      return;
    }
    stream.attachment = { authenticated: true, streamSid: message.start.streamSid };
    this.#store.put("callSid", message.start.callSid);
    this.#store.put("streamClosedAt", null);
    this.#store.event("stream.started", { stream_sid: message.start.streamSid });
    if (this.#runtime) {
      // The same object, a new stream (recovered): whatever was playing on the old one is gone.
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
        afterReply: (after) => this.#endStream(after.action === "hang_up" ? { kind: "hangup", reason: after.reason } : { kind: "transfer", to: after.to }),
        startRecording: () => void this.#startRecording(),
        providerFailed: (error) => {
          this.#store.event("provider.failed", { provider: error.provider, message: error.message });
          this.#endStream({ kind: "apology" });
        },
        setAlarm: (at) => void this.#setAlarm(at),
        log: (level, message, data) => console[level](JSON.stringify({ level, message, call_id: this.#store.meta?.callId, ...data })),
      },
    );
  }

  /** Dual-channel recording through Twilio's call recordings API; its status callback stores the outcome. */
  async #startRecording(): Promise<void> {
    const meta = this.#store.meta!;
    const callSid = this.#store.get<string>("callSid") ?? meta.callSid;
    const creds = await twilioCredentialsForAccount(this.env, meta.accountId);
    if (!callSid || !creds) return;
    try {
      const recording = await twilioClient(this.env, creds).startRecording(callSid, `${meta.publicBaseUrl}/twilio/recording/${meta.callId}`);
      this.#store.event("recording.started", { recording_sid: recording.sid });
      await database(this.env.DB).update(calls).set({ recordingSid: recording.sid, recordingStatus: recording.status }).where(eq(calls.id, meta.callId)).run();
    } catch (error) {
      this.#store.event("recording.failed", { error: String(error) });
    }
  }

  /** Ends the media stream on purpose; Twilio then asks `<Connect action>`, which answers with `exit`. */
  #endStream(exit: StreamExit): void {
    this.#store.put("streamExit", exit);
    this.#store.event("stream.exit", exit);
    this.#stream?.close(1000, exit.kind);
  }

  /** One alarm per object: keep the earliest of the deadlines asked for. */
  async #setAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current || current <= Date.now()) await this.ctx.storage.setAlarm(at);
  }
}
