/**
 * The caller audio a live STT socket may not have finalised yet, on the call's audio clock (ms of caller audio
 * since the stream started; μ-law 8 kHz is 8 bytes per ms). A final result settles everything before its end; what
 * is left is replayed to a replacement socket, whose timestamps restart at 0 from the first retained chunk.
 */
export interface CallerAudioChunk {
  startMs: number;
  endMs: number;
  bytes: Uint8Array;
  /** Already sent on some socket: sending it again is a replay. */
  sent: boolean;
}

export const MULAW_BYTES_PER_MS = 8;

export class CallerAudioBuffer {
  readonly #capBytes: number;
  #chunks: CallerAudioChunk[] = [];
  #bytes = 0;
  #audioMs = 0;

  /** `capMs` bounds memory when no final arrives for a long time (Deepgram finalises at least every few seconds). */
  constructor(capMs: number) {
    this.#capBytes = capMs * MULAW_BYTES_PER_MS;
  }

  /** Caller audio received so far: the call clock. */
  get audioMs(): number {
    return this.#audioMs;
  }

  /** Where a socket that is sent the retained audio starts its clock. */
  get startMs(): number {
    return this.#chunks[0]?.startMs ?? this.#audioMs;
  }

  get chunks(): readonly CallerAudioChunk[] {
    return this.#chunks;
  }

  /**
   * Copies the audio in (the caller's buffer may be reused, and this audio may be replayed later). It joins the
   * last chunk while that one is unsent and has room within `batchBytes`, so a batch is one chunk, one message and
   * one allocation; otherwise it starts a chunk with room for `batchBytes`.
   */
  append(bytes: Uint8Array, batchBytes = bytes.length): CallerAudioChunk {
    this.#audioMs += bytes.length / MULAW_BYTES_PER_MS;
    this.#bytes += bytes.length;
    const last = this.#chunks.at(-1);
    let chunk: CallerAudioChunk;
    if (last && !last.sent && last.bytes.byteOffset + last.bytes.length + bytes.length <= last.bytes.buffer.byteLength) {
      const grown = new Uint8Array(last.bytes.buffer, last.bytes.byteOffset, last.bytes.length + bytes.length);
      grown.set(bytes, last.bytes.length);
      last.bytes = grown;
      last.endMs = this.#audioMs;
      chunk = last;
    } else {
      const store = new Uint8Array(Math.max(batchBytes, bytes.length));
      store.set(bytes);
      chunk = { startMs: this.#audioMs - bytes.length / MULAW_BYTES_PER_MS, endMs: this.#audioMs, bytes: store.subarray(0, bytes.length), sent: false };
      this.#chunks.push(chunk);
    }
    while (this.#bytes > this.#capBytes && this.#chunks.length > 1) this.#drop();
    return chunk;
  }

  /** The last chunk when it holds audio not yet sent (a batch still filling). */
  get unsent(): CallerAudioChunk | undefined {
    const last = this.#chunks.at(-1);
    return last && !last.sent ? last : undefined;
  }

  /** Forgets audio that ends at or before `callMs` (a final result covered it). */
  settle(callMs: number): void {
    while (this.#chunks.length > 0 && this.#chunks[0]!.endMs <= callMs) this.#drop();
  }

  #drop(): void {
    const chunk = this.#chunks.shift();
    if (chunk) this.#bytes -= chunk.bytes.length;
  }
}
