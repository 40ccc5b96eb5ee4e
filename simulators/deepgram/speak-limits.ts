/**
 * The per-socket limits of Deepgram's `/v1/speak` WebSocket (protocol notes §4.1), counted on the call clock: a test
 * that runs the call `speed` times faster than real time reaches a 60 s window in 60/speed wall seconds.
 */
export const SPEAK_LIMITS = {
  charactersPerSpeak: 2000,
  flushesPerMinute: 20,
  charactersPerTwoMinutes: 12_000,
  connectionMs: 60 * 60_000,
  /** 40 on Pay-as-you-go, 80 on Growth; the simulator plays a Growth project by default. */
  concurrentSockets: 80,
} as const;

/** Call-clock milliseconds: wall milliseconds × speed. */
export class SimClock {
  readonly speed: number;

  constructor(speed = 1) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
    this.speed = speed;
  }

  nowMs(): number {
    return performance.now() * this.speed;
  }

  /** Wall milliseconds that `callMs` of call time take. */
  toWallMs(callMs: number): number {
    return callMs / this.speed;
  }
}

/** A sum of amounts over the last `windowMs` of call time. */
export class RollingSum {
  readonly #windowMs: number;
  #entries: { at: number; amount: number }[] = [];

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  total(nowMs: number): number {
    this.#entries = this.#entries.filter((e) => nowMs - e.at < this.#windowMs);
    return this.#entries.reduce((n, e) => n + e.amount, 0);
  }

  add(nowMs: number, amount: number): void {
    this.#entries.push({ at: nowMs, amount });
  }
}
