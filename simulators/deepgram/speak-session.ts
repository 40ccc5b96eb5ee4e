import type { WebSocket } from "ws";
import { z } from "zod";
import { sleep, type LatencySampler } from "../common/latency-profile.ts";
import { CLOSE } from "./deepgram-error.ts";
import type { ModelInfo } from "./model-info.ts";
import type { SpeakParams } from "./speak-params.ts";
import { bytesPerSecond, speakAudio } from "./speech-encoder.ts";
import type { DeepgramStats } from "./simulator-stats.ts";
import { RollingSum, SPEAK_LIMITS, type SimClock } from "./speak-limits.ts";

/** Client → server messages on `/v1/speak`, validated on every receipt. */
export const speakClientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("Speak"), text: z.string() }),
  z.object({ type: z.literal("Flush") }),
  z.object({ type: z.literal("Clear") }),
  z.object({ type: z.literal("Close") }),
]);

export interface SpeakSessionDeps {
  socket: WebSocket;
  params: SpeakParams;
  requestId: string;
  model: ModelInfo;
  sampler: LatencySampler;
  stats: DeepgramStats;
  /** The call clock the socket's limits are counted on. */
  clock: SimClock;
  /** Audio time per wall-clock time while streaming (Aura generates faster than real time); Infinity = unpaced. */
  realtimeFactor: number;
  /** Audio per binary frame. */
  frameMs: number;
  dropAfterMs?: number;
}

interface FlushJob {
  sequenceId: number;
  text: string;
  receivedAt: number;
}

/**
 * One `/v1/speak` socket: Metadata on connect, Speak appends to a text buffer, Flush synthesizes it (first byte after
 * the profile's cold delay on the socket's first flush, warm afterwards), streams binary frames, then `Flushed`.
 * Clear cancels buffered text, queued flushes and audio in flight, then answers `Cleared`.
 * Limits (§4.1), on the call clock: a Speak over 2000 characters closes 1009 `BIG-0001`; a 21st Flush within 60 s
 * and text past 12,000 characters within 2 minutes draw a `Warning` and are ignored; after 60 minutes the socket
 * closes 1011 `NET-0003` (time limit exceeded).
 */
export class SpeakSession {
  readonly #d: SpeakSessionDeps;
  #buffer = "";
  #jobs: FlushJob[] = [];
  #pumping: Promise<void> = Promise.resolve();
  #nextSequenceId = 0;
  #lastSequenceId = 0;
  #generation = 0;
  #warm = false;
  readonly #flushes = new RollingSum(60_000);
  readonly #characters = new RollingSum(120_000);
  #closing = false;
  #closed = false;
  #dropTimer: NodeJS.Timeout | undefined;
  readonly #timeLimitTimer: NodeJS.Timeout;

  constructor(deps: SpeakSessionDeps) {
    this.#d = deps;
    deps.socket.on("message", (data, isBinary) => this.#onMessage(data, isBinary));
    deps.socket.on("close", () => this.#dispose());
    deps.socket.on("error", () => this.#dispose());
    this.#sendJson({ type: "Metadata", request_id: deps.requestId, model_name: deps.params.model, model_version: deps.model.version, model_uuid: deps.model.uuid });
    this.#timeLimitTimer = setTimeout(() => {
      deps.stats.speak.timeLimitCloses++;
      this.#close(CLOSE.timeLimit.code, CLOSE.timeLimit.reason);
    }, deps.clock.toWallMs(SPEAK_LIMITS.connectionMs));
    if (deps.dropAfterMs !== undefined) {
      const drop = () => {
        deps.stats.speak.drops++;
        this.#close(CLOSE.internal.code, CLOSE.internal.reason);
      };
      // 0: before any message is handled (a timer would race the client's first Speak on a busy machine).
      if (deps.dropAfterMs === 0) drop();
      else this.#dropTimer = setTimeout(drop, deps.dropAfterMs);
    }
  }

  #onMessage(data: unknown, isBinary: boolean): void {
    if (this.#closed || this.#closing) return;
    if (isBinary) {
      this.#close(CLOSE.unsupportedMessage.code, CLOSE.unsupportedMessage.reason);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      json = undefined;
    }
    const parsed = speakClientMessage.safeParse(json);
    if (!parsed.success) {
      this.#close(CLOSE.badData.code, CLOSE.badData.reason);
      return;
    }
    const message = parsed.data;
    const stats = this.#d.stats.speak;
    switch (message.type) {
      case "Speak":
        stats.speakMessages++;
        this.#speak(message.text);
        return;
      case "Flush":
        stats.flushes++;
        this.#flush();
        return;
      case "Clear":
        stats.clears++;
        this.#generation++;
        this.#buffer = "";
        this.#jobs = [];
        this.#sendJson({ type: "Cleared", sequence_id: this.#lastSequenceId });
        return;
      case "Close":
        stats.closes++;
        this.#closing = true;
        if (this.#buffer.length > 0) this.#enqueue();
        void this.#pumping.then(() => this.#close(CLOSE.normal.code, CLOSE.normal.reason));
        return;
    }
  }

  #speak(text: string): void {
    const now = this.#d.clock.nowMs();
    if (text.length > SPEAK_LIMITS.charactersPerSpeak) {
      this.#d.stats.speak.oversizedSpeakCloses++;
      this.#close(CLOSE.tooManyCharacters.code, CLOSE.tooManyCharacters.reason);
      return;
    }
    if (this.#characters.total(now) + text.length > SPEAK_LIMITS.charactersPerTwoMinutes) {
      this.#d.stats.speak.characterLimitWarnings++;
      this.#warn("CHARACTER_LIMIT_EXCEEDED", `More than ${SPEAK_LIMITS.charactersPerTwoMinutes} characters in 2 minutes on this connection. The text was discarded.`);
      return;
    }
    this.#characters.add(now, text.length);
    this.#d.stats.speak.charactersReceived += text.length;
    this.#buffer += text;
  }

  #flush(): void {
    const now = this.#d.clock.nowMs();
    if (this.#flushes.total(now) >= SPEAK_LIMITS.flushesPerMinute) {
      this.#d.stats.speak.flushLimitWarnings++;
      this.#warn("FLUSH_LIMIT_EXCEEDED", `More than ${SPEAK_LIMITS.flushesPerMinute} Flush messages in 60 seconds. The Flush was ignored.`);
      return;
    }
    this.#flushes.add(now, 1);
    this.#enqueue();
  }

  #enqueue(): void {
    const job: FlushJob = { sequenceId: this.#nextSequenceId++, text: this.#buffer, receivedAt: performance.now() };
    this.#lastSequenceId = job.sequenceId;
    this.#buffer = "";
    this.#jobs.push(job);
    const generation = this.#generation;
    this.#pumping = this.#pumping.then(() => this.#run(generation));
  }

  /** Runs the next queued flush unless a Clear (a newer generation) cancelled it. */
  async #run(generation: number): Promise<void> {
    if (generation !== this.#generation || this.#closed) return;
    const job = this.#jobs.shift();
    if (!job) return;
    const { encoding, sampleRate, model } = this.#d.params;
    const sampler = this.#d.sampler;
    const firstByteMs = sampler.withTail(sampler.draw(this.#warm ? sampler.profile.ttsFirstByteWarm : sampler.profile.ttsFirstByteCold));
    this.#warm = true;
    const text = job.text.trim();
    const audio = text.length > 0 ? await speakAudio(text, model, encoding, sampleRate) : new Uint8Array(0);
    const startAt = Math.max(performance.now(), job.receivedAt + firstByteMs);
    await sleep(startAt - performance.now());
    const bps = bytesPerSecond(encoding, sampleRate);
    const frameBytes = Math.max(1, Math.round((bps * this.#d.frameMs) / 1000));
    for (let offset = 0; offset < audio.length; offset += frameBytes) {
      if (generation !== this.#generation || this.#closed) return;
      const frame = audio.subarray(offset, offset + frameBytes);
      this.#d.socket.send(frame);
      this.#d.stats.speak.audioBytesSent += frame.length;
      this.#d.stats.speak.audioMsSent += (frame.length * 1000) / bps;
      const nextAt = startAt + ((offset + frameBytes) * 1000) / bps / this.#d.realtimeFactor;
      const wait = nextAt - performance.now();
      // Yield even when unpaced, so a Clear arriving mid-stream is seen before the next frame.
      await (wait > 0 ? sleep(wait) : new Promise((resolve) => setImmediate(resolve)));
    }
    if (generation !== this.#generation || this.#closed) return;
    this.#d.stats.speak.flushedSent++;
    this.#sendJson({ type: "Flushed", sequence_id: job.sequenceId });
  }

  #warn(code: string, description: string): void {
    this.#d.stats.speak.warnings++;
    this.#sendJson({ type: "Warning", description, code });
  }

  #sendJson(message: Record<string, unknown>): void {
    if (this.#closed) return;
    this.#d.socket.send(JSON.stringify(message));
    this.#d.stats.speak.messagesSent++;
  }

  #close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#dispose();
    this.#d.socket.close(code, reason);
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#generation++;
    this.#d.stats.speak.socketsOpen--;
    clearTimeout(this.#dropTimer);
    clearTimeout(this.#timeLimitTimer);
  }
}
