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

  append(bytes: Uint8Array): CallerAudioChunk {
    const startMs = this.#audioMs;
    this.#audioMs += bytes.length / MULAW_BYTES_PER_MS;
    // Copied: the caller's buffer may be reused, and this one may be replayed later.
    const chunk: CallerAudioChunk = { startMs, endMs: this.#audioMs, bytes: bytes.slice(), sent: false };
    this.#chunks.push(chunk);
    this.#bytes += bytes.length;
    while (this.#bytes > this.#capBytes && this.#chunks.length > 1) this.#drop();
    return chunk;
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
