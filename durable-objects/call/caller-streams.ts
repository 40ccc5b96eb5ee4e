import { verifyStreamToken } from "../../shared/auth/stream-token.ts";
import { recordSecurityEvent } from "../../shared/db/security-events.ts";
import type { TwilioMessage } from "../../shared/protocol/twilio-media.ts";
import type { CallStore } from "./call-store.ts";
import { StreamCounterStore } from "./stream-counters.ts";
import { TwilioStream } from "./twilio-stream.ts";

/** Unauthenticated sockets kept beside the live one: replayed upgrades must not pile up open sockets. */
const MAX_PENDING_STREAMS = 2;
const TAG = "twilio";

/** Where a socket that is not hibernatable delivers its frames (a hibernatable one's go to the object's handlers). */
export interface CallerSocketEvents {
  message(ws: WebSocket, data: string | ArrayBuffer): Promise<void>;
  close(ws: WebSocket, code: number, reason: string): Promise<void>;
}

/**
 * The caller's media-stream sockets: the live (authenticated) one the agent speaks on, and those upgraded but not
 * yet authenticated by their `start`. The upgrade's signature covers a fixed URL and can be replayed, so the live
 * stream stays until a new socket's `start` token checks out.
 *
 * `TWILIO_SOCKET_HIBERNATION = "off"` (a media lever, bench section 8) accepts the sockets with the standard API
 * instead: the runtime then calls listeners instead of the object's handlers, but the socket lives and dies with
 * the object's memory, so an object restart (a deploy) drops the caller's stream instead of handing it over.
 */
export class CallerStreams {
  #live: TwilioStream | undefined;
  readonly #pending = new Map<WebSocket, TwilioStream>();
  readonly counts: StreamCounterStore;
  readonly #hibernatable: boolean;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly store: CallStore,
    private readonly events: CallerSocketEvents,
  ) {
    this.counts = new StreamCounterStore(store);
    this.#hibernatable = env.TWILIO_SOCKET_HIBERNATION !== "off";
    for (const ws of ctx.getWebSockets(TAG)) this.#adopt(ws);
  }

  get live(): TwilioStream | undefined {
    return this.#live;
  }

  accept(): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    if (this.#hibernatable) this.ctx.acceptWebSocket(server, [TAG]);
    else this.#listen(server);
    const stream = this.#newStream(server);
    stream.attachment = { authenticated: false, streamSid: null };
    this.#pending.set(server, stream);
    for (const stale of [...this.#pending.values()].slice(0, -MAX_PENDING_STREAMS)) {
      this.#pending.delete(stale.ws);
      stale.close(1008, "superseded by a newer stream");
    }
    this.store.event("stream.connected");
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The stream a socket belongs to (a restarted object rebuilds it from the socket's attachment). */
  streamFor(ws: WebSocket): TwilioStream {
    if (this.#live?.ws === ws) return this.#live;
    return this.#pending.get(ws) ?? this.#adopt(ws);
  }

  /**
   * Only a `start` carrying a valid token for this call binds a socket to the call; it replaces the live stream.
   * Returns whether it was accepted and whether it replaced another.
   */
  async authenticate(stream: TwilioStream, message: Extract<TwilioMessage, { event: "start" }>): Promise<{ ok: false } | { ok: true; replaced: boolean }> {
    const meta = this.store.meta!;
    const params = message.start.customParameters ?? {};
    const check = params.call_id === meta.callId ? await verifyStreamToken(this.env.JWT_SECRET, params.token, meta.callId) : ({ ok: false, reason: "wrong_call" } as const);
    this.#pending.delete(stream.ws);
    if (!check.ok) {
      this.store.event("stream.rejected", { reason: check.reason });
      await recordSecurityEvent(this.env, { kind: "stream_token_invalid", path: `/twilio/stream/${meta.callId}`, accountId: meta.accountId, detail: { reason: check.reason } }, this.ctx);
      stream.close(1008, `stream token ${check.reason}`);
      return { ok: false };
    }
    stream.attachment = { authenticated: true, streamSid: message.start.streamSid };
    const previous = this.#live;
    this.#live = stream;
    previous?.close(1000, "replaced by a new stream");
    this.store.put("callSid", message.start.callSid);
    this.store.event("stream.started", { stream_sid: message.start.streamSid, replaced: !!previous });
    return { ok: true, replaced: !!previous };
  }

  /** A socket closed: true when it was the live stream (now gone). */
  closed(ws: WebSocket): boolean {
    if (this.#pending.delete(ws) || this.#live?.ws !== ws) return false;
    this.#live = undefined;
    return true;
  }

  closeAll(code: number, reason: string): void {
    for (const stream of [this.#live, ...this.#pending.values()]) stream?.close(code, reason);
  }

  #listen(ws: WebSocket): void {
    ws.accept();
    ws.addEventListener("message", (event) => void this.events.message(ws, event.data as string | ArrayBuffer));
    ws.addEventListener("close", (event) => void this.events.close(ws, event.code, event.reason));
    ws.addEventListener("error", (event) => void this.events.close(ws, 1011, String(event.error ?? event.message)));
  }

  #adopt(ws: WebSocket): TwilioStream {
    const stream = this.#newStream(ws);
    if (stream.attachment.authenticated && !this.#live) this.#live = stream;
    else this.#pending.set(ws, stream);
    return stream;
  }

  #newStream(ws: WebSocket): TwilioStream {
    return new TwilioStream(ws, this.counts.counters, () => this.counts.dropped());
  }
}
