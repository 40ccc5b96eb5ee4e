import WebSocket from "ws";
import { encodeMulaw, MULAW_SILENCE } from "../../shared/audio/mulaw.ts";
import { synthesizeSpeech } from "../common/speech-audio.ts";

/** Test helpers: a WebSocket client that records everything it receives, and μ-law speech/silence builders. */
export type Json = Record<string, any>;

export interface Received {
  json: Json[];
  binary: Buffer[];
  /** Arrival time (performance.now()) of each JSON message and binary frame, in order of arrival. */
  times: { kind: "json" | "binary"; at: number; type?: string }[];
}

export class RecordingClient {
  readonly ws: WebSocket;
  readonly received: Received = { json: [], binary: [], times: [] };
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  #waiters: (() => void)[] = [];

  constructor(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}) {
    this.ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("unexpected-response", (_req, res) => reject(new Error(`handshake failed: HTTP ${res.statusCode}`)));
      this.ws.once("error", reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => this.ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on("message", (data, isBinary) => {
      const at = performance.now();
      if (isBinary) {
        this.received.binary.push(data as Buffer);
        this.received.times.push({ kind: "binary", at });
      } else {
        const json = JSON.parse(String(data)) as Json;
        this.received.json.push(json);
        this.received.times.push({ kind: "json", at, type: String(json["type"]) });
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.ws.on("close", () => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  ofType(type: string): Json[] {
    return this.received.json.filter((m) => m["type"] === type);
  }

  /** Resolves with the first JSON message (at or after index `from`) matching `predicate`. */
  async waitFor(predicate: (m: Json) => boolean, timeoutMs = 5000, from = 0): Promise<Json> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = this.received.json.slice(from).find(predicate);
      if (hit) return hit;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed before the expected message; got ${JSON.stringify(this.received.json.map((m) => m["type"]))}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out; received ${JSON.stringify(this.received.json.map((m) => m["type"]))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  sendJson(message: Json): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Sends audio in 20 ms μ-law frames (160 bytes at 8 kHz) as fast as the socket takes them. */
  sendAudio(bytes: Uint8Array, frameBytes = 160): void {
    for (let i = 0; i < bytes.length; i += frameBytes) this.ws.send(bytes.subarray(i, i + frameBytes));
  }
}

export const authHeaders = (key = "test-key"): Record<string, string> => ({ authorization: `Token ${key}` });

export async function speechMulaw(text: string): Promise<{ bytes: Uint8Array; durationMs: number }> {
  const speech = await synthesizeSpeech(text);
  return { bytes: encodeMulaw(speech.pcm), durationMs: speech.durationMs };
}

export const silenceMulaw = (ms: number, rate = 8000): Uint8Array => new Uint8Array(Math.round((ms * rate) / 1000)).fill(MULAW_SILENCE);

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export const transcriptOf = (m: Json): string => String(m["channel"]?.["alternatives"]?.[0]?.["transcript"] ?? "");

/** The full utterance text: every is_final transcript up to and including the speech_final one (Deepgram's rule). */
export function utteranceText(messages: Json[]): string {
  const parts: string[] = [];
  for (const m of messages) {
    if (m["type"] !== "Results" || !m["is_final"]) continue;
    const t = transcriptOf(m);
    if (t) parts.push(t);
    if (m["speech_final"]) break;
  }
  return parts.join(" ");
}
