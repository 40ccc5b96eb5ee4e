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
  /** Read from the socket once (a restarted object rebuilds its stream from it), not on every 20 ms frame. */
  #attachment: StreamAttachment;

  constructor(readonly ws: WebSocket) {
    this.#attachment = (ws.deserializeAttachment() as StreamAttachment | null) ?? { authenticated: false, streamSid: null };
  }

  get attachment(): StreamAttachment {
    return this.#attachment;
  }

  set attachment(value: StreamAttachment) {
    this.#attachment = value;
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

  /** Sends the message built for the stream's sid; nothing before `start` named the stream, or once it closed. */
  #send(build: (streamSid: string) => string): boolean {
    const sid = this.#attachment.streamSid;
    if (!sid || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(build(sid));
    this.counters.frames_out++;
    return true;
  }

  sendMedia(payloadBase64: string): boolean {
    return this.#send((sid) => buildMediaMessage(sid, payloadBase64));
  }

  sendMark(name: string): boolean {
    return this.#send((sid) => buildMarkMessage(sid, name));
  }

  sendClear(): boolean {
    return this.#send(buildClearMessage);
  }

  close(code: number, reason: string): void {
    try {
      this.ws.close(code, reason);
    } catch {
      /* already closed */
    }
  }
}
