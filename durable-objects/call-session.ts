import { DurableObject } from "cloudflare:workers";
import { verifyStreamToken } from "../shared/auth/stream-token.ts";
import type { TwilioMessage } from "../shared/protocol/twilio-media.ts";
import { recordSecurityEvent } from "../shared/db/security-events.ts";
import { persistFinishedCall, type CallOutcome } from "./call/call-finalizer.ts";
import { CallStore, type CallMeta } from "./call/call-store.ts";
import { TwilioStream } from "./call/twilio-stream.ts";
import { transferCall, type TransferRecord, type TransferRequest } from "./call/call-transfer.ts";

/**
 * One object per call, named by call id: it holds the Twilio media stream and the call's durable state.
 * A thin shell: platform entry points (fetch, webSocketMessage, webSocketClose, alarm) and control RPCs
 * delegate to small collaborators.
 */
export class CallSession extends DurableObject<Env> {
  readonly #store: CallStore;
  #stream: TwilioStream | undefined;

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
    }
  }

  recordEvent(type: string, data?: unknown): void {
    this.#store.event(type, data);
  }

  /** Hands the caller over to a person; the transfer is recorded on the call. */
  async transfer(req: TransferRequest): Promise<TransferRecord> {
    const meta = this.#store.meta;
    const callSid = this.#store.get<string>("callSid") ?? meta?.callSid;
    if (!meta || !callSid) throw new Error("the call has no live Twilio leg to transfer");
    const record = await transferCall(this.env, meta, callSid, req, this.#store.turns());
    this.#store.event("call.transferred", record);
    return record;
  }

  state(): { meta: CallMeta | undefined; ended: boolean; stream: { connected: boolean; authenticated: boolean; counters: TwilioStream["counters"] | null } } {
    return {
      meta: this.#store.meta,
      ended: this.#store.get<CallOutcome>("outcome") !== undefined,
      stream: { connected: !!this.#stream, authenticated: this.#stream?.attachment.authenticated ?? false, counters: this.#stream?.counters ?? null },
    };
  }

  events() {
    return this.#store.events();
  }

  /** The Worker forwards the Twilio media-stream upgrade here. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    if (!this.#store.meta) return new Response("unknown call", { status: 404 });
    if (this.#store.get("outcome")) return new Response("call has ended", { status: 410 });
    const { 0: client, 1: server } = new WebSocketPair();
    // A reconnect (stream recovery) replaces the previous socket.
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
    await this.#onMessage(stream, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (this.#stream?.ws !== ws) return;
    this.#store.event("stream.closed", { code, reason, counters: this.#stream.counters });
    this.#stream = undefined;
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    await this.webSocketClose(ws, 1011, String(error));
  }

  /** Asked when Twilio reports the stream ended (`<Connect action>`): resume unless the call is over. */
  recoverStream(maxRecoveries: number): { resume: boolean; attempt: number } {
    const attempt = (this.#store.get<number>("recoveries") ?? 0) + 1;
    const resume = !this.#store.get("outcome") && attempt <= maxRecoveries;
    if (resume) this.#store.put("recoveries", attempt);
    this.#store.event(resume ? "stream.recovering" : "stream.not_recovered", { attempt });
    return { resume, attempt };
  }

  /** Ends the call record. Idempotent: Twilio's final status callback and a closing stream may both arrive. */
  async finalize(outcome: Omit<CallOutcome, "endedAt"> & { endedAt?: string }): Promise<boolean> {
    const meta = this.#store.meta;
    if (!meta || this.#store.get("outcome")) return false;
    const full: CallOutcome = { ...outcome, endedAt: outcome.endedAt ?? new Date().toISOString() };
    this.#store.put("outcome", full);
    this.#store.event("call.ended", { status: full.status, reason: full.endReason });
    this.#stream?.close(1000, "call ended");
    await persistFinishedCall(this.env, meta, this.#store, { ...full, metrics: { stream: this.#stream?.counters ?? null, ...full.metrics } });
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
    this.#store.event("stream.started", { stream_sid: message.start.streamSid });
  }

  async #onMessage(stream: TwilioStream, message: TwilioMessage): Promise<void> {
    switch (message.event) {
      case "dtmf":
        this.#store.event("caller.dtmf", { digit: message.dtmf.digit });
        return;
      case "stop":
        this.#store.event("stream.stopped");
        return;
      default:
        return;
    }
  }
}
