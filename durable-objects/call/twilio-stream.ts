import { buildClearMessage, buildMarkMessage, buildMediaMessage, parseTwilioMessage, type TwilioMessage } from "../../shared/protocol/twilio-media.ts";

/** Per-socket state kept in the WebSocket attachment, so it survives the object being evicted and re-created. */
export interface StreamAttachment {
  authenticated: boolean;
  streamSid: string | null;
  /** Twilio sent `stop`: it sends nothing after that, so whatever follows is not Twilio's. */
  stopped?: boolean;
}

/** The call's frame counters, over every stream the call had (a recovered call has several). */
export interface StreamCounters {
  frames_in: number;
  frames_dropped_invalid: number;
  frames_dropped_unauthenticated: number;
  /** Valid frames in the wrong place: another stream's sid, a sequence number not above the last, a second `connected` or `start`, anything after `stop`. */
  frames_dropped_out_of_order: number;
  frames_out: number;
}

export type DropReason = "invalid" | "unauthenticated" | "out_of_order";

export const emptyStreamCounters = (): StreamCounters => ({ frames_in: 0, frames_dropped_invalid: 0, frames_dropped_unauthenticated: 0, frames_dropped_out_of_order: 0, frames_out: 0 });

/** The platform's end of one Twilio Media Stream: validated, ordered input; framed output. */
export class TwilioStream {
  /** Read from the socket once (a restarted object rebuilds its stream from it), not on every 20 ms frame. */
  #attachment: StreamAttachment;
  /**
   * In memory only: it changes on every frame, and a socket does not outlive its object's memory while frames
   * flow (a restarted object loses Twilio's socket with it).
   */
  #lastSequence = 0;
  #connected = false;

  constructor(
    readonly ws: WebSocket,
    readonly counters: StreamCounters,
    private readonly onDrop: (reason: DropReason) => void = () => {},
  ) {
    this.#attachment = (ws.deserializeAttachment() as StreamAttachment | null) ?? { authenticated: false, streamSid: null };
  }

  get attachment(): StreamAttachment {
    return this.#attachment;
  }

  set attachment(value: StreamAttachment) {
    this.#attachment = value;
    this.ws.serializeAttachment(value);
  }

  /**
   * The next frame to act on, or undefined: malformed and out-of-order frames are counted and dropped, they never
   * throw into the call. Before the stream is authenticated only `connected` and `start` pass (the caller checks
   * the start's token).
   */
  receive(data: string | ArrayBuffer): TwilioMessage | undefined {
    this.counters.frames_in++;
    const parsed = typeof data === "string" ? parseTwilioMessage(data) : undefined;
    if (!parsed?.ok) return this.#drop("invalid");
    const message = parsed.message;
    const a = this.#attachment;
    if (a.stopped) return this.#drop("out_of_order");
    if (message.event === "connected") {
      if (this.#connected || a.authenticated) return this.#drop("out_of_order");
      this.#connected = true;
      return message;
    }
    if (message.event === "start") {
      if (a.authenticated) return this.#drop("out_of_order");
      this.#lastSequence = Number(message.sequenceNumber);
      return message;
    }
    if (!a.authenticated) return this.#drop("unauthenticated");
    const sequence = Number(message.sequenceNumber);
    if (message.streamSid !== a.streamSid || sequence <= this.#lastSequence) return this.#drop("out_of_order");
    this.#lastSequence = sequence;
    if (message.event === "stop") this.attachment = { ...a, stopped: true };
    return message;
  }

  #drop(reason: DropReason): undefined {
    this.counters[`frames_dropped_${reason}`]++;
    this.onDrop(reason);
    return undefined;
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
