import { verifyStreamToken } from "../../shared/auth/stream-token.ts";
import { recordSecurityEvent } from "../../shared/db/security-events.ts";
import { briefingTokenSubject, transferUrls } from "../../shared/twilio/transfer-twiml.ts";
import type { CallStore } from "./call-store.ts";
import { BRIEFING_MARK } from "./transfer-briefing.ts";
import { emptyStreamCounters, TwilioStream } from "./twilio-stream.ts";

const TAG = "briefing";

/** What a frame on the briefing socket means for the transfer. */
export type BriefingFrame = { kind: "authenticated"; stream: TwilioStream; targetSid: string } | { kind: "heard" };

/**
 * The warm-transfer target's media stream (briefing role) into the call's object: its upgrade, and its `start`
 * checked against a briefing token for this call and the target leg the transfer dialled. Everything else the
 * transfer decides (./warm-transfer.ts).
 */
export class BriefingSocket {
  #stream: TwilioStream | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly store: CallStore,
  ) {
    const [ws] = ctx.getWebSockets(TAG);
    if (ws) this.#stream = new TwilioStream(ws, emptyStreamCounters());
  }

  isUpgrade(request: Request): boolean {
    return /\/twilio\/transfer\/[^/]+\/stream$/.test(new URL(request.url).pathname);
  }

  accept(): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.#stream?.close(1000, "replaced by a new briefing stream");
    this.ctx.acceptWebSocket(server, [TAG]);
    this.#stream = new TwilioStream(server, emptyStreamCounters());
    this.#stream.attachment = { authenticated: false, streamSid: null };
    this.store.event("transfer.briefing_connected");
    return new Response(null, { status: 101, webSocket: client });
  }

  owns(ws: WebSocket): boolean {
    return this.ctx.getTags(ws).includes(TAG);
  }

  /**
   * A frame from the briefing socket. `expectedTarget`: the target leg a briefing is due for (null when none is): a
   * `start` for another leg, or without a valid briefing token, closes the socket and is recorded as a security event.
   */
  async receive(ws: WebSocket, data: string | ArrayBuffer, expectedTarget: string | null): Promise<BriefingFrame | undefined> {
    const stream = this.#stream?.ws === ws ? this.#stream : (this.#stream = new TwilioStream(ws, emptyStreamCounters()));
    const message = stream.receive(data);
    if (!message) return undefined;
    if (stream.attachment.authenticated) return message.event === "mark" && message.mark.name === BRIEFING_MARK ? { kind: "heard" } : undefined;
    if (message.event !== "start") return undefined;
    const meta = this.store.meta!;
    const params = message.start.customParameters ?? {};
    const check =
      params.call_id === meta.callId && params.role === "briefing"
        ? await verifyStreamToken(this.env.JWT_SECRET, params.token, briefingTokenSubject(meta.callId))
        : ({ ok: false, reason: "wrong_call" } as const);
    if (!check.ok || expectedTarget === null || expectedTarget !== message.start.callSid) {
      const reason = check.ok ? "not_the_target_leg" : check.reason;
      this.store.event("transfer.briefing_rejected", { reason });
      await recordSecurityEvent(this.env, { kind: "stream_token_invalid", path: transferUrls("", meta.callId).stream, accountId: meta.accountId, detail: { reason, role: "briefing" } }, this.ctx);
      stream.close(1008, `briefing stream ${reason}`);
      return undefined;
    }
    stream.attachment = { authenticated: true, streamSid: message.start.streamSid };
    return { kind: "authenticated", stream, targetSid: message.start.callSid };
  }

  closed(ws: WebSocket, code: number, reason: string): void {
    if (this.#stream?.ws !== ws) return;
    this.store.event("transfer.briefing_closed", { code, reason });
    this.#stream = undefined;
  }

  close(reason: string): void {
    this.#stream?.close(1000, reason);
  }
}
