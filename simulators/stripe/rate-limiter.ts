/** Stripe's test-mode limit of 25 read or write operations per second, as a sliding one-second window per API key. */
export class RateLimiter {
  readonly #recent = new Map<string, number[]>();

  readonly perSecond: number;
  readonly #now: () => number;

  constructor(perSecond: number, now: () => number = () => performance.now()) {
    this.perSecond = perSecond;
    this.#now = now;
  }

  /** Counts the request; false when it is over the limit (and then it does not count). */
  admit(apiKey: string): boolean {
    const now = this.#now();
    const recent = (this.#recent.get(apiKey) ?? []).filter((t) => now - t < 1000);
    const admitted = recent.length < this.perSecond;
    if (admitted) recent.push(now);
    this.#recent.set(apiKey, recent);
    return admitted;
  }
}
