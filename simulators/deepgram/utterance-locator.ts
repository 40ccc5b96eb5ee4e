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

  /** Audio time at which `u` began in this stream, once its audio arrived. */
  startMs(u: ExpectedUtterance): number | undefined {
    return this.#startMs.get(u.id);
  }

  forget(u: ExpectedUtterance): void {
    this.#startMs.delete(u.id);
  }
}
