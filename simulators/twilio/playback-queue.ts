/**
 * Twilio's outbound buffer for one stream: a FIFO of agent audio and marks, played at 8000 bytes per second of call
 * time. Audio can only start playing at a frame boundary after it arrived; a mark is echoed once everything queued
 * before it has played, or at once when nothing is buffered; `clear` drops the audio and returns every pending mark.
 */
export const BYTES_PER_MS = 8;
export const FRAME_BYTES = 160;
/** About ten minutes of audio; beyond it Twilio discards outbound audio and warns (31931). */
export const MAX_BUFFERED_BYTES = 10 * 60 * 8000;

type QueueItem = { kind: "audio"; bytes: Uint8Array; offset: number; arrivedAtMs: number } | { kind: "mark"; name: string };

export interface PlaybackListener {
  segmentStarted(startMs: number): void;
  segmentProgress(bytes: number, endMs: number): void;
  segmentEnded(endMs: number, cutShort: boolean): void;
  markReached(name: string, cleared: boolean): void;
}

export interface ClearResult {
  discardedBytes: number;
  marks: string[];
}

export class PlaybackQueue {
  readonly #listener: PlaybackListener;
  #items: QueueItem[] = [];
  #queuedBytes = 0;
  #playing = false;
  #lastEndMs: number | null = null;
  #playedUntilMs = 0;

  constructor(listener: PlaybackListener) {
    this.#listener = listener;
  }

  /** Audio is queued or playing. */
  get busy(): boolean {
    return this.#playing || this.#queuedBytes > 0;
  }

  get playing(): boolean {
    return this.#playing;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** End of the last audio segment, in call time; null before any agent audio. */
  get lastAudioEndMs(): number | null {
    return this.#lastEndMs;
  }

  /** Returns false when the buffer is full and the audio was discarded. */
  enqueueAudio(bytes: Uint8Array, arrivedAtMs: number): boolean {
    if (bytes.length === 0) return true;
    if (this.#queuedBytes + bytes.length > MAX_BUFFERED_BYTES) return false;
    this.#items.push({ kind: "audio", bytes, offset: 0, arrivedAtMs });
    this.#queuedBytes += bytes.length;
    return true;
  }

  enqueueMark(name: string): void {
    if (this.#queuedBytes === 0 && this.#items.length === 0) this.#listener.markReached(name, false);
    else this.#items.push({ kind: "mark", name });
  }

  /** Plays the frame [frameStartMs, frameStartMs + 20); returns the audio played (shorter than a frame when it ran out). */
  advance(frameStartMs: number): Uint8Array {
    const played = new Uint8Array(FRAME_BYTES);
    let consumed = 0;
    while (this.#items.length > 0) {
      const head = this.#items[0]!;
      if (head.kind === "mark") {
        this.#items.shift();
        this.#listener.markReached(head.name, false);
        continue;
      }
      const playheadMs = frameStartMs + consumed / BYTES_PER_MS;
      if (consumed === FRAME_BYTES || head.arrivedAtMs > playheadMs) break;
      if (!this.#playing) {
        this.#playing = true;
        this.#listener.segmentStarted(playheadMs);
      }
      const take = Math.min(FRAME_BYTES - consumed, head.bytes.length - head.offset);
      played.set(head.bytes.subarray(head.offset, head.offset + take), consumed);
      head.offset += take;
      consumed += take;
      this.#queuedBytes -= take;
      if (head.offset === head.bytes.length) this.#items.shift();
    }
    if (!this.#playing) return played.subarray(0, 0);
    const endMs = frameStartMs + consumed / BYTES_PER_MS;
    this.#playedUntilMs = endMs;
    if (consumed > 0) this.#listener.segmentProgress(consumed, endMs);
    // Out of audio (or the next chunk has not arrived yet): the segment is over.
    if (consumed < FRAME_BYTES) this.#endSegment(endMs, false);
    return played.subarray(0, consumed);
  }

  /** Drops all queued audio; every pending mark is echoed at once, in order. */
  clear(atMs: number): ClearResult {
    const discardedBytes = this.#queuedBytes;
    const marks = this.#items.flatMap((item) => (item.kind === "mark" ? [item.name] : []));
    this.#items = [];
    this.#queuedBytes = 0;
    // With nothing left to drop, the segment simply finished playing (its last frame ended exactly on a boundary).
    if (this.#playing) this.#endSegment(discardedBytes > 0 ? atMs : this.#playedUntilMs, discardedBytes > 0);
    for (const name of marks) this.#listener.markReached(name, true);
    return { discardedBytes, marks };
  }

  #endSegment(endMs: number, cutShort: boolean): void {
    this.#playing = false;
    this.#lastEndMs = endMs;
    this.#listener.segmentEnded(endMs, cutShort);
  }
}
