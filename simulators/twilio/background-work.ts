/**
 * Fire-and-forget work (callbacks Twilio sends without waiting) that a call still accounts for: its end is reported
 * only once what it started has settled, or a deadline passed.
 */
export class BackgroundWork {
  readonly #pending = new Set<Promise<unknown>>();

  track(work: Promise<unknown>): void {
    const tracked: Promise<unknown> = work.catch(() => undefined).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  /** Waits for everything tracked, including work started while waiting, for at most `timeoutMs`. */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.size > 0 && Date.now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
      await Promise.race([Promise.allSettled([...this.#pending]), timeout]);
      clearTimeout(timer);
    }
  }
}
