import { bytesToBase64 } from "../../../shared/crypto/base64.ts";
import { REPLY_END_MARK_PREFIX } from "../../../shared/protocol/reply-end-mark.ts";
import type { AfterReply, Frame } from "../frames.ts";
import type { SpeechLedger } from "../speech-ledger.ts";
import { BaseStage } from "../stage.ts";
import type { TurnMetrics } from "../turn-metrics.ts";

/** Where playback sends audio: the Twilio media stream. */
export interface AudioSink {
  sendMedia(payloadBase64: string): boolean;
  sendMark(name: string): boolean;
  sendClear(): boolean;
}

export interface PlaybackOptions {
  sink: AudioSink;
  ledger: SpeechLedger;
  metrics: TurnMetrics;
  /**
   * The call's own clock, for latency marks. Pacing runs on the stage context's clock, which stands still while the
   * agent is paused under the caller's voice (barge-in-duck.ts) and so may lag behind this one.
   */
  callNow?: () => number;
  /** Audio sent ahead of real time (Twilio buffers it); small, so a barge-in discards little. */
  leadMs?: number;
  /** Tests run the call faster than real time. */
  speed?: number;
  /**
   * Audio per Twilio media message, a multiple of 20 ms (20–80). Each message costs the runtime about as much as its
   * audio costs us, so fewer, larger ones save CPU; a message never spans two chunks, so marks still fall between
   * the audio they follow and the audio after it.
   */
  messageMs?: number;
}

const BYTES_PER_MS = 8; // μ-law at 8 kHz
const FRAME_MS = 20;
export const DEFAULT_MEDIA_MESSAGE_MS = 20;
const MS_PER_CHAR_ESTIMATE = 65;

interface Chunk {
  turnId: number;
  chunkId: number;
  pieces: Uint8Array[];
  receivedBytes: number;
  sentBytes: number;
  done: boolean;
  firstSentAt?: number;
}

export interface PlaybackStats {
  frames_sent: number;
  max_gap_ms: number;
  late_frames: number;
  clears: number;
}

/**
 * Agent audio → Twilio media messages of `messageMs` (20–80 ms), paced at real time plus a small lead, with a mark after every chunk.
 * Echoed marks say which chunks were heard in full; on an interrupt the chunk being played is measured by time,
 * so the ledger knows the words that reached the caller. Once a reply was fully heard it marks the stream
 * (`REPLY_END_MARK_PREFIX`) and emits `playback_done`.
 */
export class PlaybackStage extends BaseStage {
  readonly name = "playback";
  readonly stats: PlaybackStats = { frames_sent: 0, max_gap_ms: 0, late_frames: 0, clears: 0 };
  #queue: Chunk[] = [];
  #marks = new Map<string, Chunk>();
  #replyDone = new Map<number, AfterReply>();
  #anchor = 0;
  #sentMs = 0;
  #lastFrameAt: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #staleBelow = 0;
  readonly #messageMs: number;

  constructor(private readonly opts: PlaybackOptions) {
    super();
    this.#messageMs = mediaMessageMs(opts.messageMs);
  }

  /** Chunks queued or awaiting their mark, and replies awaiting their end: all drain as replies are heard. */
  get backlog(): number {
    return this.#queue.length + this.#marks.size + this.#replyDone.size;
  }

  /** True while the caller can hear (or is about to hear) the agent. */
  isSpeaking(): boolean {
    return this.#queue.length > 0 || this.#marks.size > 0;
  }

  handle(frame: Frame): void {
    switch (frame.kind) {
      case "agent_audio":
        return this.#enqueue(frame.turnId, frame.chunkId, frame.mulaw);
      case "agent_audio_done": {
        const chunk = this.#queue.find((c) => c.chunkId === frame.chunkId);
        if (chunk) chunk.done = true;
        this.#finishSentChunks();
        return this.#schedule();
      }
      case "reply_done":
        if (frame.turnId < this.#staleBelow) return;
        this.#replyDone.set(frame.turnId, frame.after);
        return this.#maybeFinished(frame.turnId);
      case "audio_mark":
        return this.#onMark(frame.name);
      case "interrupt":
        return this.#interrupt();
      case "end":
        clearTimeout(this.#timer ?? null);
        return;
      default:
        this.push(frame);
    }
  }

  #enqueue(turnId: number, chunkId: number, mulaw: Uint8Array): void {
    if (turnId < this.#staleBelow) return;
    let chunk = this.#queue.find((c) => c.chunkId === chunkId);
    if (!chunk) {
      chunk = { turnId, chunkId, pieces: [], receivedBytes: 0, sentBytes: 0, done: false };
      this.#queue.push(chunk);
      this.#queue.sort((a, b) => a.chunkId - b.chunkId);
    }
    chunk.pieces.push(mulaw);
    chunk.receivedBytes += mulaw.length;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer === undefined) this.#tick();
  }

  #tick(): void {
    this.#timer = undefined;
    const now = this.context.now();
    const speed = this.opts.speed ?? 1;
    // After an underrun (nothing to send), playback restarts from now rather than "catching up".
    if ((now - this.#anchor) * speed > this.#sentMs + FRAME_MS) {
      this.#anchor = now - this.#sentMs / speed;
    }
    // The lead grows with the message: Twilio must still hold `leadMs` when the next tick comes, or a late timer
    // (a busy thread) would let its buffer run dry and re-anchor the pacing behind real time.
    const allowedMs = (now - this.#anchor) * speed + (this.opts.leadMs ?? 60) + this.#messageMs - FRAME_MS;
    for (let ms = 0; this.#sentMs < allowedMs && (ms = this.#sendMessage(now)) > 0; ) this.#sentMs += ms;
    if (this.#queue.some((c) => c.sentBytes < c.receivedBytes)) this.#timer = setTimeout(() => this.#tick(), this.#messageMs / speed);
  }

  /**
   * Sends one media message of up to `messageMs` from the head chunk (whatever it has now: a chunk still being
   * synthesised is never waited for); returns its audio ms, whole 20 ms frames, 0 when nothing was sent.
   */
  #sendMessage(now: number): number {
    const chunk = this.#queue[0];
    if (!chunk || chunk.sentBytes >= chunk.receivedBytes) return 0;
    const frame = take(chunk, this.#messageMs * BYTES_PER_MS);
    if (!this.opts.sink.sendMedia(bytesToBase64(frame))) return 0;
    if (chunk.firstSentAt === undefined) {
      chunk.firstSentAt = now;
      this.opts.metrics.mark(chunk.turnId, "first_audio_sent", this.opts.callNow?.() ?? now);
      this.push({ kind: "chunk_audible", turnId: chunk.turnId, chunkId: chunk.chunkId });
    }
    if (this.#lastFrameAt !== undefined) {
      const gap = now - this.#lastFrameAt;
      this.stats.max_gap_ms = Math.max(this.stats.max_gap_ms, gap);
      if (gap > this.#messageMs + FRAME_MS) this.stats.late_frames++;
    }
    this.#lastFrameAt = now;
    this.stats.frames_sent++;
    this.#finishSentChunks();
    return Math.ceil(frame.length / (FRAME_MS * BYTES_PER_MS)) * FRAME_MS;
  }

  /** A chunk whose audio is complete and all sent is followed by its mark; Twilio echoes it once played. */
  #finishSentChunks(): void {
    for (let chunk = this.#queue[0]; chunk && chunk.done && chunk.sentBytes >= chunk.receivedBytes; chunk = this.#queue[0]) {
      this.#queue.shift();
      const name = `chunk-${chunk.chunkId}`;
      this.#marks.set(name, chunk);
      this.opts.sink.sendMark(name);
    }
  }

  #onMark(name: string): void {
    const chunk = this.#marks.get(name);
    if (!chunk) return; // a mark Twilio returns after a clear: cleared, not played
    this.#marks.delete(name);
    this.opts.ledger.heard(chunk.chunkId, 1);
    this.#maybeFinished(chunk.turnId);
  }

  #maybeFinished(turnId: number): void {
    const after = this.#replyDone.get(turnId);
    if (!after) return;
    const playing = this.#queue.some((c) => c.turnId === turnId) || [...this.#marks.values()].some((c) => c.turnId === turnId);
    if (playing) return;
    this.#replyDone.delete(turnId);
    this.opts.sink.sendMark(`${REPLY_END_MARK_PREFIX}${turnId}`);
    this.push({ kind: "playback_done", turnId, after });
  }

  #interrupt(): void {
    const now = this.context.now();
    const speed = this.opts.speed ?? 1;
    const inFlight = [...this.#marks.values(), ...this.#queue].sort((a, b) => a.chunkId - b.chunkId);
    // Chunks before the playing one were heard; the playing one in proportion to the time it has played.
    let clock = inFlight[0]?.firstSentAt;
    for (const chunk of inFlight) {
      if (chunk.firstSentAt === undefined || clock === undefined) break;
      const durationMs = chunk.done ? chunk.receivedBytes / 8 : Math.max(chunk.receivedBytes / 8, this.#estimateMs(chunk));
      const playedMs = Math.max(0, (now - Math.max(clock, chunk.firstSentAt)) * speed);
      this.opts.ledger.heard(chunk.chunkId, playedMs / durationMs);
      clock = Math.max(clock, chunk.firstSentAt) + durationMs / speed;
    }
    const maxTurn = Math.max(-1, ...inFlight.map((c) => c.turnId), ...this.#replyDone.keys());
    this.#staleBelow = Math.max(this.#staleBelow, maxTurn + 1);
    if (inFlight.length > 0) {
      this.opts.sink.sendClear();
      this.stats.clears++;
    }
    clearTimeout(this.#timer ?? null);
    this.#timer = undefined;
    this.#queue = [];
    this.#marks.clear();
    this.#replyDone.clear();
    this.#sentMs = 0;
    this.#anchor = now;
  }

  #estimateMs(chunk: Chunk): number {
    return this.opts.ledger.chunkText(chunk.chunkId).length * MS_PER_CHAR_ESTIMATE;
  }
}

/** A valid message size: a whole number of 20 ms frames within Twilio-friendly 20–80 ms. */
export function mediaMessageMs(ms: number | undefined): number {
  const frames = Math.round((ms ?? DEFAULT_MEDIA_MESSAGE_MS) / FRAME_MS);
  return Number.isFinite(frames) ? Math.min(4, Math.max(1, frames)) * FRAME_MS : DEFAULT_MEDIA_MESSAGE_MS;
}

/**
 * Removes and returns up to `n` bytes from the front of the chunk's unsent audio: a view of the head piece when it
 * holds them all (the usual case: TTS audio arrives in pieces of many frames), a copy only across pieces.
 */
function take(chunk: Chunk, n: number): Uint8Array {
  const head = chunk.pieces[0]!;
  if (head.length >= n) {
    if (head.length === n) chunk.pieces.shift();
    else chunk.pieces[0] = head.subarray(n);
    chunk.sentBytes += n;
    return head.subarray(0, n);
  }
  const out = new Uint8Array(Math.min(n, chunk.receivedBytes - chunk.sentBytes));
  let filled = 0;
  while (filled < out.length) {
    const piece = chunk.pieces[0]!;
    const count = Math.min(piece.length, out.length - filled);
    out.set(piece.subarray(0, count), filled);
    filled += count;
    if (count === piece.length) chunk.pieces.shift();
    else chunk.pieces[0] = piece.subarray(count);
  }
  chunk.sentBytes += filled;
  return out;
}
