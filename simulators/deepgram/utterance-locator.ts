import { SIGNATURE_BYTES, type ExpectedUtterance } from "../common/utterance-registry.ts";

/**
 * Where the scripted caller's utterances begin in one stream's μ-law audio. The platform forwards the caller's bytes
 * unchanged, so an utterance's opening bytes (its registry signature) turn up in the stream exactly; that places it on
 * the stream's audio clock, which its VAD also runs on. Two sounds the VAD hears as one segment (a cough right after
 * an "mm-hm") are then known to be one segment, instead of each later segment taking the words of the sound before it.
 */
export class UtteranceLocator {
  readonly #bytesPerMs: number;
  #receivedBytes = 0;
  /** The last bytes of the stream so far: a signature may straddle two messages. */
  #tail = new Uint8Array(0);
  readonly #startMs = new Map<number, number>();

  constructor(bytesPerMs: number) {
    this.#bytesPerMs = bytesPerMs;
  }

  /** Looks for the opening of each `pending` utterance not yet found in `data`, the stream's next audio. */
  scan(data: Uint8Array, pending: readonly ExpectedUtterance[]): void {
    // Heard (consumed) utterances are no longer pending: what is kept stays as small as the registry's queue.
    for (const id of this.#startMs.keys()) if (!pending.some((u) => u.id === id)) this.#startMs.delete(id);
    const buf = new Uint8Array(this.#tail.length + data.length);
    buf.set(this.#tail);
    buf.set(data, this.#tail.length);
    const bufStart = this.#receivedBytes - this.#tail.length;
    const haystack = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    for (const u of pending) {
      if (!u.signature || this.#startMs.has(u.id)) continue;
      const at = haystack.indexOf(u.signature);
      if (at >= 0) this.#startMs.set(u.id, (bufStart + at) / this.#bytesPerMs);
    }
    this.#receivedBytes += data.length;
    this.#tail = buf.slice(Math.max(0, buf.length - (SIGNATURE_BYTES - 1)));
  }

  /**
   * Utterances of `pending` not in `claimed` that began inside the segment from `segmentStartMs` to `speechEndMs`
   * after its own opening: sounds the VAD heard as part of that segment.
   */
  mergedInto(segmentStartMs: number, speechEndMs: number, pending: readonly ExpectedUtterance[], claimed: ReadonlySet<number>): ExpectedUtterance[] {
    return pending.filter((u) => {
      const startMs = this.#startMs.get(u.id);
      return !claimed.has(u.id) && startMs !== undefined && startMs > segmentStartMs && startMs <= speechEndMs;
    });
  }
}
