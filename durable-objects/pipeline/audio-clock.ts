/**
 * The call's audio clock: milliseconds of caller audio received since the stream started. STT word times are on
 * this clock; `wallAt` maps them back to the moment that audio reached the object, which is when the caller
 * actually stopped speaking as far as the platform can know.
 */
const BYTES_PER_MS = 8;
const HISTORY = 4096; // ~80 s of 20 ms frames

export class AudioClock {
  #audioMs = 0;
  readonly #audioAt = new Float64Array(HISTORY);
  readonly #wallAt = new Float64Array(HISTORY);
  #count = 0;

  get audioMs(): number {
    return this.#audioMs;
  }

  /** Records that `bytes` of μ-law audio arrived at wall time `nowMs`. */
  advance(bytes: number, nowMs: number): void {
    this.#audioMs += bytes / BYTES_PER_MS;
    const slot = this.#count++ % HISTORY;
    this.#audioAt[slot] = this.#audioMs;
    this.#wallAt[slot] = nowMs;
  }

  /** Wall time at which the audio at `audioMs` had arrived (interpolated; clamped to what is remembered). */
  wallAt(audioMs: number): number | undefined {
    const n = Math.min(this.#count, HISTORY);
    if (n === 0) return undefined;
    const oldest = this.#count - n;
    let lo = oldest;
    let hi = this.#count - 1;
    const at = (i: number) => this.#audioAt[i % HISTORY]!;
    if (audioMs >= at(hi)) return this.#wallAt[hi % HISTORY]!;
    if (audioMs <= at(lo)) return this.#wallAt[lo % HISTORY]!;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (at(mid) < audioMs) lo = mid;
      else hi = mid;
    }
    const [a0, a1, w0, w1] = [at(lo), at(hi), this.#wallAt[lo % HISTORY]!, this.#wallAt[hi % HISTORY]!];
    return a1 === a0 ? w1 : w0 + ((audioMs - a0) / (a1 - a0)) * (w1 - w0);
  }
}
