import WebSocket from "ws";
import { parseTwilioServerMessage, type TwilioMessage } from "../../shared/protocol/twilio-media.ts";
import { computeTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { sleep } from "../common/latency-profile.ts";
import { FRAME_MS, type CallClock } from "./call-clock.ts";
import { round, type AgentAudioSegment, type CallRecorder, type MarkRecord, type StreamRecord } from "./call-recording.ts";
import type { TwilioNetwork } from "./network-conditions.ts";
import { BYTES_PER_MS, PlaybackQueue } from "./playback-queue.ts";
import { DEBUGGER_CODES } from "./twilio-api-error.ts";

export type StreamEndReason = "call-ended" | "redirected" | "server-closed" | "handshake-failed" | "network-dropped";

export interface MediaStreamOptions {
  /** The `<Stream url>` as written (absolute); it is what the upgrade signature covers. */
  url: string;
  name: string | null;
  accountSid: string;
  callSid: string;
  streamSid: string;
  authToken: string;
  customParameters: Record<string, string>;
  clock: CallClock;
  recorder: CallRecorder;
  /** Twilio's side of the network: this stream's transit and, under `jittery`, when its socket is cut. */
  network?: TwilioNetwork;
  /** Agent audio playback started or stopped (the scripted caller listens for this). */
  onAgentAudio?: (playing: boolean, atMs: number) => void;
}

const CLOSE_GRACE_MS = 1000;

/** Local development has no TLS: a `wss://` URL on loopback is dialled as `ws://`. */
export function connectUrlFor(url: string): string {
  const u = new URL(url);
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  if (u.protocol === "wss:" && loopback) u.protocol = "ws:";
  return u.toString();
}

/**
 * Twilio's end of one bidirectional Media Stream. Twilio is the WebSocket client: it sends `connected`, `start`,
 * caller audio every 20 ms, `dtmf`, echoed `mark`s and finally `stop`; it plays the server's `media` in order and
 * honours `mark` and `clear`. Every server frame is validated; invalid ones are counted as 31951.
 */
export class MediaStreamSession {
  readonly streamSid: string;
  readonly record: StreamRecord;
  readonly #opts: MediaStreamOptions;
  readonly #playback: PlaybackQueue;
  #ws: WebSocket | null = null;
  /** One-way network transit of this stream (the profile's draw; 0 under `instant`), applied in both directions. */
  readonly #transitMs: number;
  readonly #dropAfterMs: number | undefined;
  #dropTimer: ReturnType<typeof setTimeout> | undefined;
  #sequence = 0;
  #chunk = 0;
  #started = false;
  #startedAtMs = 0;
  #ended = false;
  #segment: AgentAudioSegment | null = null;
  #pendingMarks: MarkRecord[] = [];
  #overflowWarned = false;
  /** Once the stream is ending, unplayed marks are not echoed (the socket is going away). */
  #stopping = false;
  #resolveEnded!: (reason: StreamEndReason) => void;
  /** Settles once, with why the stream ended. */
  readonly ended: Promise<StreamEndReason>;

  constructor(opts: MediaStreamOptions) {
    this.#opts = opts;
    this.streamSid = opts.streamSid;
    this.#transitMs = opts.network?.mediaTransitMs() ?? 0;
    this.#dropAfterMs = opts.network?.mediaDropAfterMs();
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.record = {
      streamSid: opts.streamSid,
      url: opts.url,
      name: opts.name,
      customParameters: { ...opts.customParameters },
      openedAtMs: round(opts.clock.nowMs()),
      startedAtMs: null,
      closedAtMs: null,
      endReason: null,
      mediaFramesSent: 0,
      messagesSent: 0,
      messagesReceived: 0,
      invalidMessages: 0,
      transitMs: round(this.#transitMs),
    };
    opts.recorder.data.streams.push(this.record);
    this.#playback = new PlaybackQueue({
      segmentStarted: (startMs) => {
        this.#segment = opts.recorder.agentAudioStarted(this.streamSid, startMs);
        opts.onAgentAudio?.(true, startMs);
      },
      segmentProgress: (bytes, endMs) => {
        if (!this.#segment) return;
        this.#segment.bytes += bytes;
        this.#segment.endMs = round(endMs);
      },
      segmentEnded: (endMs, cutShort) => {
        if (this.#segment) {
          this.#segment.endMs = round(Math.max(endMs, this.#segment.startMs));
          this.#segment.cutShort = cutShort;
        }
        this.#segment = null;
        opts.onAgentAudio?.(false, endMs);
      },
      markReached: (name, cleared) => this.#echoMark(name, cleared),
    });
  }

  get live(): boolean {
    return this.#started && !this.#ended;
  }

  get agentSpeaking(): boolean {
    return this.#playback.busy;
  }

  get lastAgentAudioEndMs(): number | null {
    return this.#playback.lastAudioEndMs;
  }

  /** Opens the socket and sends `connected` + `start`. Resolves false if the handshake failed. */
  async open(): Promise<boolean> {
    const { url, recorder, clock } = this.#opts;
    const signature = await computeTwilioSignature(this.#opts.authToken, url, {});
    let ws: WebSocket;
    try {
      // No permessage-deflate offer (ws offers it by default; nothing says Twilio does). workerd accepts an offer
      // on its own and then deflates every 20 ms frame: ~13 % of its CPU at 100 calls (perf, bench/README.md).
      ws = new WebSocket(connectUrlFor(url), { headers: { "x-twilio-signature": signature }, handshakeTimeout: 10_000, perMessageDeflate: false });
    } catch (err) {
      recorder.error(DEBUGGER_CODES.streamHandshakeError, `Stream - WebSocket - Handshake Error: ${(err as Error).message}`, clock.nowMs());
      this.#finish("handshake-failed");
      return false;
    }
    this.#ws = ws;
    const opened = await new Promise<boolean>((resolve) => {
      ws.once("open", () => resolve(true));
      ws.once("error", (err) => {
        recorder.error(DEBUGGER_CODES.streamHandshakeError, `Stream - WebSocket - Handshake Error: ${err.message}`, clock.nowMs());
        resolve(false);
      });
    });
    if (!opened) {
      this.#finish("handshake-failed");
      return false;
    }
    // What the application sends reaches Twilio one transit later, in order (the transit is fixed per stream).
    ws.on("message", (data, isBinary) => this.#afterTransit(() => this.#onServerMessage(data, isBinary)));
    ws.on("close", () => this.#afterTransit(() => this.#finish("server-closed")));
    ws.on("error", () => this.#afterTransit(() => this.#finish("server-closed")));
    if (this.#dropAfterMs !== undefined) {
      // A network failure: the socket dies without `stop` or a close frame (the application sees 1006).
      this.#dropTimer = setTimeout(() => {
        this.#finish("network-dropped");
        ws.terminate();
      }, this.#dropAfterMs);
    }
    this.#send({ event: "connected", protocol: "Call", version: "1.0.0" });
    this.#send({
      event: "start",
      sequenceNumber: this.#nextSequence(),
      streamSid: this.streamSid,
      start: {
        accountSid: this.#opts.accountSid,
        streamSid: this.streamSid,
        callSid: this.#opts.callSid,
        tracks: ["inbound"],
        customParameters: { ...this.#opts.customParameters },
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
      },
    });
    this.#started = true;
    this.#startedAtMs = clock.nowMs();
    this.record.startedAtMs = round(this.#startedAtMs);
    return true;
  }

  /** One 20 ms frame: the caller's audio goes out, then the agent's buffered audio plays for that frame. */
  /**
   * Whether the frame starting at `frameStartMs` belongs to this stream. A late timer replays frames that are
   * already due; those that ended before `start` went out never existed on this stream.
   */
  carriesFrame(frameStartMs: number): boolean {
    return this.live && frameStartMs + FRAME_MS > this.#startedAtMs;
  }

  /** Returns the agent audio that played during the frame (what a call recording hears). */
  frame(frameStartMs: number, callerAudio: Uint8Array): Uint8Array {
    if (!this.carriesFrame(frameStartMs)) return new Uint8Array(0);
    this.#chunk++;
    this.#send({
      event: "media",
      sequenceNumber: this.#nextSequence(),
      streamSid: this.streamSid,
      media: {
        track: "inbound",
        chunk: String(this.#chunk),
        timestamp: String((this.#chunk - 1) * 20),
        payload: Buffer.from(callerAudio).toString("base64"),
      },
    });
    this.record.mediaFramesSent++;
    return this.#playback.advance(frameStartMs);
  }

  sendDtmf(digit: string): void {
    if (!this.live) return;
    this.#send({ event: "dtmf", sequenceNumber: this.#nextSequence(), streamSid: this.streamSid, dtmf: { track: "inbound_track", digit } });
  }

  /** Twilio ends the stream: `stop`, then it closes the socket. */
  async stop(reason: Exclude<StreamEndReason, "server-closed" | "handshake-failed" | "network-dropped">): Promise<void> {
    const ws = this.#ws;
    if (this.#ended || !ws) return;
    this.#flushPlayback();
    this.#send({
      event: "stop",
      sequenceNumber: this.#nextSequence(),
      streamSid: this.streamSid,
      stop: { accountSid: this.#opts.accountSid, callSid: this.#opts.callSid },
    });
    this.#finish(reason);
    if (this.#transitMs > 0) await sleep(this.#transitMs); // the close follows the `stop` still in transit
    ws.close(1000, reason);
    const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    await new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once("close", () => resolve())));
    clearTimeout(timer);
  }

  #nextSequence(): string {
    return String(++this.#sequence);
  }

  #send(message: TwilioMessage): void {
    const ws = this.#ws;
    if (ws?.readyState !== WebSocket.OPEN) return;
    const text = JSON.stringify(message);
    this.record.messagesSent++;
    this.#afterTransit(() => ws.readyState === WebSocket.OPEN && ws.send(text));
  }

  /** Runs `deliver` one network transit from now; at once (synchronously) when there is none. */
  #afterTransit(deliver: () => void): void {
    if (this.#transitMs > 0) setTimeout(deliver, this.#transitMs);
    else deliver();
  }

  #invalid(reason: string): void {
    this.record.invalidMessages++;
    this.#opts.recorder.error(DEBUGGER_CODES.streamInvalidMessage, `Stream - Protocol - Invalid Message: ${reason}`, this.#opts.clock.nowMs());
  }

  #onServerMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.#ended) return;
    this.record.messagesReceived++;
    if (isBinary) return this.#invalid("binary frame (only JSON text frames are accepted)");
    const parsed = parseTwilioServerMessage(data.toString());
    if (!parsed.ok) return this.#invalid(parsed.error);
    const message = parsed.message;
    if (message.streamSid !== this.streamSid) return this.#invalid(`streamSid ${message.streamSid} is not ${this.streamSid}`);
    const nowMs = this.#opts.clock.nowMs();
    switch (message.event) {
      case "media": {
        const bytes = new Uint8Array(Buffer.from(message.media.payload, "base64"));
        if (!this.#playback.enqueueAudio(bytes, nowMs) && !this.#overflowWarned) {
          this.#overflowWarned = true;
          this.#opts.recorder.error(DEBUGGER_CODES.streamBufferOverflow, "Stream - outbound audio buffer full; audio discarded", nowMs);
        }
        return;
      }
      case "mark": {
        const mark: MarkRecord = { streamSid: this.streamSid, name: message.mark.name, receivedAtMs: round(nowMs), echoedAtMs: null, cleared: false };
        this.#opts.recorder.data.marks.push(mark);
        this.#pendingMarks.push(mark);
        this.#playback.enqueueMark(message.mark.name);
        return;
      }
      case "clear": {
        const queuedBytes = this.#playback.queuedBytes;
        const { marks } = this.#playback.clear(nowMs);
        this.#opts.recorder.data.clears.push({
          streamSid: this.streamSid,
          atMs: round(nowMs),
          discardedBytes: queuedBytes,
          discardedMs: round(queuedBytes / BYTES_PER_MS),
          marksReturned: marks,
        });
        return;
      }
    }
  }

  #echoMark(name: string, cleared: boolean): void {
    if (this.#stopping) return;
    const index = this.#pendingMarks.findIndex((m) => m.name === name);
    const mark = index >= 0 ? this.#pendingMarks.splice(index, 1)[0] : undefined;
    if (mark) {
      mark.echoedAtMs = round(this.#opts.clock.nowMs());
      mark.cleared = cleared;
    }
    this.#send({ event: "mark", sequenceNumber: this.#nextSequence(), streamSid: this.streamSid, mark: { name } });
  }

  /** The stream is ending: unplayed audio is dropped; pending marks stay unechoed in the recording. */
  #flushPlayback(): void {
    this.#stopping = true;
    this.#playback.clear(this.#opts.clock.nowMs());
  }

  #finish(reason: StreamEndReason): void {
    if (this.#ended) return;
    if (reason === "server-closed" || reason === "network-dropped") this.#flushPlayback();
    clearTimeout(this.#dropTimer);
    this.#ended = true;
    this.record.closedAtMs = round(this.#opts.clock.nowMs());
    this.record.endReason = reason;
    this.#resolveEnded(reason);
  }
}
