import { sleep } from "../common/latency-profile.ts";

/**
 * Serialises what a session sends. Each item may carry a wall-clock delay (a simulated processing latency), measured
 * from when it was queued; items never overtake each other, so a delayed final still precedes the UtteranceEnd
 * that follows it, as on the real service.
 */
export class Outbox {
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  /** Queues `deliver` to run no earlier than `delayMs` from now and after everything queued before it. */
  push(deliver: () => void, delayMs = 0): Promise<void> {
    const dueAt = performance.now() + delayMs;
    this.#tail = this.#tail.then(async () => {
      const wait = dueAt - performance.now();
      if (wait > 0) await sleep(wait);
      if (!this.#closed) deliver();
    });
    return this.#tail;
  }

  /** Resolves once everything queued so far was delivered. */
  drained(): Promise<void> {
    return this.#tail;
  }

  /** Drops whatever hasn't been delivered yet. */
  close(): void {
    this.#closed = true;
  }
}
