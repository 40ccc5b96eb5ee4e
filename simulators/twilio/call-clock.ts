/**
 * Simulated time for one call. Call-clock milliseconds run `speed` times faster than wall time, so a test can play a
 * minute of conversation in a few seconds while every timestamp, pacing rule and timeout stays in call time.
 */
export class CallClock {
  readonly speed: number;
  readonly #originReal: number;

  constructor(speed = 1) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
    this.speed = speed;
    this.#originReal = performance.now();
  }

  /** Call-clock milliseconds since the call was created. */
  nowMs(): number {
    return (performance.now() - this.#originReal) * this.speed;
  }

  /** Wall-clock milliseconds that `callMs` of call time take. */
  toRealMs(callMs: number): number {
    return callMs / this.speed;
  }

  /** Resolves after `ms` of call time, or as soon as `signal` aborts (callers check `signal.aborted`). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.sleepUntil(this.nowMs() + ms, signal);
  }

  sleepUntil(atMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      // setTimeout caps at 2^31-1 ms; longer waits re-arm until the deadline.
      const arm = () => {
        const remaining = this.toRealMs(atMs - this.nowMs());
        if (remaining <= 0) return done();
        timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
      };
      signal?.addEventListener("abort", done, { once: true });
      arm();
    });
  }
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export const FRAME_MS = 20;

/**
 * Fires once per 20 ms frame of call time. Frame `k` covers [t0 + 20k, t0 + 20(k+1)) and is dispatched when that
 * interval has elapsed. Deadlines are absolute, so timer lateness never accumulates: a late wake-up dispatches every
 * frame that is due, in order, and the long-run rate stays exact.
 */
export class FrameTicker {
  readonly #clock: CallClock;
  readonly #onFrame: (frameStartMs: number) => void;
  #t0 = 0;
  #next = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;

  constructor(clock: CallClock, onFrame: (frameStartMs: number) => void) {
    this.#clock = clock;
    this.#onFrame = onFrame;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    // Whole-millisecond frame boundaries keep every derived timestamp exact.
    this.#t0 = Math.ceil(this.#clock.nowMs());
    this.#next = 0;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    const dueAt = this.#t0 + (this.#next + 1) * FRAME_MS;
    this.#timer = setTimeout(this.#tick, Math.max(0, this.#clock.toRealMs(dueAt - this.#clock.nowMs())));
  }

  #tick = (): void => {
    const now = this.#clock.nowMs();
    while (this.#running && this.#t0 + (this.#next + 1) * FRAME_MS <= now) {
      const frameStartMs = this.#t0 + this.#next * FRAME_MS;
      this.#next++;
      this.#onFrame(frameStartMs);
    }
    if (this.#running) this.#schedule();
  };
}
