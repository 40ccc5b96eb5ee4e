/** What the slot needs of a call runtime: closing it releases its provider sockets and keep-alive. */
export interface Closeable {
  close(reason: string): Promise<void>;
}

/**
 * The call's one runtime, from its start (which awaits the agent's config and opens provider sockets) to its
 * retirement. A runtime whose start finishes after the slot was retired meanwhile (the call ended, or a newer
 * start replaced it) is closed at once instead of being attached to a call that no longer exists.
 */
export class RuntimeSlot<R extends Closeable> {
  #current: R | undefined;
  #starting: Promise<R | undefined> | undefined;
  #generation = 0;

  get current(): R | undefined {
    return this.#current;
  }

  /** The runtime, waiting for one being started. */
  ready(): Promise<R | undefined> {
    return this.#current ? Promise.resolve(this.#current) : (this.#starting ?? Promise.resolve(undefined));
  }

  /** Starts a runtime; resolves to it, or undefined when the slot was retired before it was up (it is closed). */
  start(open: () => Promise<R>): Promise<R | undefined> {
    const generation = ++this.#generation;
    const starting = open().then(async (runtime) => {
      if (generation !== this.#generation) {
        await runtime.close("ended_during_start");
        return undefined;
      }
      this.#current = runtime;
      this.#starting = undefined;
      return runtime;
    });
    this.#starting = starting;
    // A failed start leaves the slot empty; the caller handles the rejection.
    starting.catch(() => {
      if (generation === this.#generation) this.#starting = undefined;
    });
    return starting;
  }

  /** Takes the runtime out of service and returns it for closing; a start still under way is abandoned. */
  retire(): R | undefined {
    this.#generation++;
    const runtime = this.#current;
    this.#current = undefined;
    this.#starting = undefined;
    return runtime;
  }
}
