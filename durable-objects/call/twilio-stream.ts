import { buildClearMessage, buildMarkMessage, buildMediaMessage, parseTwilioMessage, type TwilioMessage } from "../../shared/protocol/twilio-media.ts";

/** Per-socket state kept in the WebSocket attachment, so it survives the object being evicted and re-created. */
export interface StreamAttachment {
  authenticated: boolean;
  streamSid: string | null;
}

export interface StreamCounters {
  frames_in: number;
  frames_dropped_invalid: number;
  frames_dropped_unauthenticated: number;
  frames_out: number;
}

/** The platform's end of one Twilio Media Stream: validated input, framed output. */
export class TwilioStream {
  readonly counters: StreamCounters = { frames_in: 0, frames_dropped_invalid: 0, frames_dropped_unauthenticated: 0, frames_out: 0 };

  constructor(readonly ws: WebSocket) {}

  get attachment(): StreamAttachment {
    return (this.ws.deserializeAttachment() as StreamAttachment | null) ?? { authenticated: false, streamSid: null };
  }

  set attachment(value: StreamAttachment) {
    this.ws.serializeAttachment(value);
  }

  /** Malformed frames are counted and dropped; they never throw into the call. */
  parse(data: string | ArrayBuffer): TwilioMessage | undefined {
    this.counters.frames_in++;
    if (typeof data !== "string") {
      this.counters.frames_dropped_invalid++;
      return undefined;
    }
    const parsed = parseTwilioMessage(data);
    if (!parsed.ok) {
      this.counters.frames_dropped_invalid++;
      return undefined;
    }
    return parsed.message;
  }

  #send(text: string): boolean {
    const sid = this.attachment.streamSid;
    if (!sid || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(text);
    this.counters.frames_out++;
    return true;
  }

  sendMedia(payloadBase64: string): boolean {
    const sid = this.attachment.streamSid;
    return sid ? this.#send(buildMediaMessage(sid, payloadBase64)) : false;
  }

  sendMark(name: string): boolean {
    const sid = this.attachment.streamSid;
    return sid ? this.#send(buildMarkMessage(sid, name)) : false;
  }

  sendClear(): boolean {
    const sid = this.attachment.streamSid;
    return sid ? this.#send(buildClearMessage(sid)) : false;
  }

  close(code: number, reason: string): void {
    try {
      this.ws.close(code, reason);
    } catch {
      /* already closed */
    }
  }
}
