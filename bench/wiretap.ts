/**
 * A wire tap on the simulators' sockets, inside this Node process: timestamps (performance.now(), µs resolution) of
 * what each simulator sent and received, so a turn can be split into provider time and platform time without
 * touching the simulators or the platform. It patches the `ws` classes and `http.ServerResponse` that the simulators
 * use (the same module instances this process imported); the platform runs in workerd and is not affected.
 *
 * What it records, per call:
 * - Twilio (WebSocket client): when each caller media frame was sent (frame k carries caller audio ms [20(k-1), 20k)),
 *   and when each agent media message arrived;
 * - Deepgram listen, Nova `/v1/listen` or Flux `/v2/listen` (server): when each binary audio message arrived
 *   (cumulative bytes), and every final result (Flux: every `EndOfTurn`);
 * - Deepgram speak (server): Speak texts and Flushes received, binary audio frames sent (and their bytes);
 * - Bedrock (HTTP/1.1): when each request arrived, and when the first text delta and the delta that completes the
 *   first clause (the platform's chunker rule) were written, per request id.
 */
import { Server, ServerResponse, type IncomingMessage } from "node:http";
import WebSocket, { WebSocketServer } from "ws";
import { decodeMessage } from "../simulators/bedrock/index.ts";

export interface TwilioTap {
  callSid: string;
  /** performance.now() when `start` went out (call clock: recording.streams[0].startedAtMs). */
  startSentAt: number;
  /** Send time of caller media frame k+1 (index k). */
  mediaSent: number[];
  /** Arrival times of the agent's media messages. */
  agentMedia: number[];
  /** Audio each of those messages carries (ms of μ-law 8 kHz): 20 per message by default, 80 with 80 ms messages. */
  agentMediaMs: number[];
  /** The platform's other messages (marks, clears). */
  agentControl: number;
}

export interface ListenFinal {
  at: number;
  /** Audio ms (since the socket's first byte) where the final was decided: start + duration (Flux: the window's end). */
  endAudioMs: number;
  transcript: string;
  speechFinal: boolean;
}

export interface ListenTap {
  callSid: string;
  /** The simulator's port (which world the socket belongs to). */
  port: number;
  /** Text messages the simulator sent (results, SpeechStarted, UtteranceEnd, Flux TurnInfo…). */
  sent: number;
  recvAt: number[];
  /** Cumulative audio bytes after each received message. */
  recvBytes: number[];
  /** Nova's `speech_final` results, or Flux's `EndOfTurn`s. */
  finals: ListenFinal[];
}

export interface SpeakTap {
  /** The simulator's port (which world the socket belongs to). */
  port: number;
  audioBytes: number;
  speaks: { at: number; text: string }[];
  flushes: number[];
  audioSent: number[];
}

export interface BedrockTap {
  requestId: string;
  /** When the request's headers reached the simulator (before it verifies the signature and reads the body). */
  requestAt: number;
  /** Write time of the first text delta. */
  firstDeltaAt?: number;
  /** Write time of the delta after which the text holds a first clause (≥ 12 chars up to `, ` `. ` …). */
  clauseDoneAt?: number;
  text: string;
}

const CLAUSE_END = /[,;:—–]\s|[.!?…]["')\]]?\s/g;
const FIRST_CHUNK_MIN_CHARS = 12;

function hasFirstClause(text: string): boolean {
  CLAUSE_END.lastIndex = 0;
  for (let m = CLAUSE_END.exec(text); m; m = CLAUSE_END.exec(text)) if (m.index + m[0].length >= FIRST_CHUNK_MIN_CHARS) return true;
  return false;
}

export class WireTap {
  readonly twilio = new Map<string, TwilioTap>();
  readonly listen: ListenTap[] = [];
  readonly speak: SpeakTap[] = [];
  readonly bedrock = new Map<string, BedrockTap>();
  #restore: (() => void)[] = [];

  install(): void {
    const tap = this;
    const twilioOf = new WeakMap<object, TwilioTap>();
    const serverKind = new WeakMap<object, { kind: "listen"; tap: ListenTap } | { kind: "speak"; tap: SpeakTap }>();

    const proto = WebSocket.prototype as unknown as Record<string, any>;
    const origSend = proto.send;
    const origEmit = proto.emit;
    proto.send = function (this: any, data: unknown, ...rest: unknown[]) {
      const now = performance.now();
      if (this._isServer) {
        const s = serverKind.get(this);
        if (s?.kind === "listen" && typeof data === "string") s.tap.sent++;
        if (s?.kind === "listen" && typeof data === "string" && data.includes('"is_final":true')) {
          const msg = JSON.parse(data);
          if (msg.type === "Results") {
            s.tap.finals.push({ at: now, endAudioMs: (msg.start + msg.duration) * 1000, transcript: msg.channel?.alternatives?.[0]?.transcript ?? "", speechFinal: !!msg.speech_final });
          }
        } else if (s?.kind === "listen" && typeof data === "string" && data.startsWith('{"type":"TurnInfo"') && data.includes('"event":"EndOfTurn"')) {
          // Flux's EndOfTurn is the turn's final: the audio up to its window's end decided it.
          const msg = JSON.parse(data);
          s.tap.finals.push({ at: now, endAudioMs: msg.audio_window_end * 1000, transcript: msg.transcript ?? "", speechFinal: true });
        } else if (s?.kind === "speak" && typeof data !== "string") {
          s.tap.audioSent.push(now);
          s.tap.audioBytes += (data as Uint8Array).byteLength;
        }
      } else if (typeof data === "string") {
        if (data.startsWith('{"event":"media"')) twilioOf.get(this)?.mediaSent.push(now);
        else if (data.startsWith('{"event":"start"')) {
          const msg = JSON.parse(data);
          const t: TwilioTap = { callSid: msg.start.callSid, startSentAt: now, mediaSent: [], agentMedia: [], agentMediaMs: [], agentControl: 0 };
          twilioOf.set(this, t);
          tap.twilio.set(t.callSid, t);
        }
      }
      return origSend.call(this, data, ...rest);
    };
    proto.emit = function (this: any, event: string, ...args: any[]) {
      if (event === "message") {
        const now = performance.now();
        const data = args[0];
        const isBinary = args[1] === true;
        if (this._isServer) {
          const s = serverKind.get(this);
          if (s?.kind === "listen" && isBinary) {
            const len = Array.isArray(data) ? data.reduce((n: number, b: Buffer) => n + b.length, 0) : (data.byteLength as number);
            s.tap.recvAt.push(now);
            s.tap.recvBytes.push((s.tap.recvBytes.at(-1) ?? 0) + len);
          } else if (s?.kind === "speak" && !isBinary) {
            const text = String(data);
            if (text.includes('"Flush"')) s.tap.flushes.push(now);
            else if (text.includes('"Speak"')) s.tap.speaks.push({ at: now, text: JSON.parse(text).text });
          }
        } else {
          const t = twilioOf.get(this);
          // `{"event":"media"` vs `{"event":"mark"`: bytes 10-11 are "me" / "ma".
          if (t && !isBinary && data[10] === 0x6d && data[11] === 0x65) {
            t.agentMedia.push(now);
            t.agentMediaMs.push(payloadMs(data));
          } else if (t && !isBinary) t.agentControl++;
        }
      }
      return origEmit.call(this, event, ...args);
    };
    this.#restore.push(() => {
      proto.send = origSend;
      proto.emit = origEmit;
    });

    const wssProto = WebSocketServer.prototype as unknown as Record<string, any>;
    const origUpgrade = wssProto.handleUpgrade;
    wssProto.handleUpgrade = function (this: any, req: any, socket: unknown, head: unknown, cb: (ws: any, req: any) => void) {
      const url = new URL(req.url ?? "/", "http://x");
      const port: number = req.socket?.localPort ?? 0;
      return origUpgrade.call(this, req, socket, head, (ws: any, r: any) => {
        if (url.pathname === "/v1/listen" || url.pathname === "/v2/listen") {
          const extra = url.searchParams.getAll("extra").find((e) => e.startsWith("call_sid:"));
          const t: ListenTap = { callSid: extra?.slice("call_sid:".length) ?? "", port, sent: 0, recvAt: [], recvBytes: [], finals: [] };
          tap.listen.push(t);
          serverKind.set(ws, { kind: "listen", tap: t });
        } else if (url.pathname === "/v1/speak") {
          const t: SpeakTap = { port, audioBytes: 0, speaks: [], flushes: [], audioSent: [] };
          tap.speak.push(t);
          serverKind.set(ws, { kind: "speak", tap: t });
        }
        cb(ws, r);
      });
    };
    this.#restore.push(() => (wssProto.handleUpgrade = origUpgrade));

    const serverProto = Server.prototype as unknown as Record<string, any>;
    const origServerEmit = serverProto.emit;
    const arrivals = new WeakMap<IncomingMessage, number>();
    serverProto.emit = function (this: any, event: string, ...args: any[]) {
      if (event === "request") arrivals.set(args[0], performance.now());
      return origServerEmit.call(this, event, ...args);
    };
    this.#restore.push(() => (serverProto.emit = origServerEmit));

    const resProto = ServerResponse.prototype as unknown as Record<string, any>;
    const origWriteHead = resProto.writeHead;
    const origWrite = resProto.write;
    const streams = new WeakMap<object, BedrockTap>();
    resProto.writeHead = function (this: any, status: number, ...rest: any[]) {
      const headers = rest.find((h) => h && typeof h === "object" && !Array.isArray(h));
      if (headers && headers["content-type"] === "application/vnd.amazon.eventstream" && typeof headers["x-amzn-requestid"] === "string") {
        const t: BedrockTap = { requestId: headers["x-amzn-requestid"], requestAt: arrivals.get(this.req) ?? performance.now(), text: "" };
        streams.set(this, t);
        tap.bedrock.set(t.requestId, t);
      }
      return origWriteHead.call(this, status, ...rest);
    };
    resProto.write = function (this: any, chunk: any, ...rest: any[]) {
      const t = streams.get(this);
      if (t && t.clauseDoneAt === undefined && chunk instanceof Uint8Array) {
        const now = performance.now();
        try {
          const message = decodeMessage(chunk);
          if (message.headers[":event-type"] === "contentBlockDelta") {
            const payload = JSON.parse(new TextDecoder().decode(message.payload));
            const text = payload.delta?.text;
            if (typeof text === "string") {
              t.firstDeltaAt ??= now;
              t.text += text;
              if (hasFirstClause(t.text)) t.clauseDoneAt = now;
            }
          }
        } catch {
          /* not an event frame */
        }
      }
      return origWrite.call(this, chunk, ...rest);
    };
    this.#restore.push(() => {
      resProto.writeHead = origWriteHead;
      resProto.write = origWrite;
    });
  }

  /** Forgets what was recorded (between repetitions). */
  reset(): void {
    this.twilio.clear();
    this.listen.length = 0;
    this.speak.length = 0;
    this.bedrock.clear();
  }

  uninstall(): void {
    for (const undo of this.#restore.splice(0).reverse()) undo();
  }
}

/** The first element of a sorted array ≥ `t`; undefined when none. */
export const firstAtOrAfter = (sorted: readonly number[], t: number): number | undefined => sorted[lowerBound(sorted, t)];

/** Index of the first element ≥ `v` in a sorted array (sorted.length when none). */
export function lowerBound(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Milliseconds of μ-law 8 kHz audio in a Twilio media message: its base64 payload's bytes / 8. */
function payloadMs(data: Buffer): number {
  const start = data.indexOf('"payload":"');
  if (start < 0) return 20;
  const from = start + 11;
  const end = data.indexOf(34, from); // the closing quote
  const b64 = end - from;
  const padding = (data[end - 1] === 0x3d ? 1 : 0) + (data[end - 2] === 0x3d ? 1 : 0);
  return ((b64 / 4) * 3 - padding) / 8;
}
