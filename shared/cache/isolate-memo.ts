/**
 * A small in-memory cache that lives as long as the Worker isolate: hot reads (the API key behind every request,
 * an agent's cached view) skip their D1/KV round trip for a few seconds. Entries expire after `ttlMs`; writers in
 * the same isolate delete what they change, so only other isolates can see an entry that old. When full, the
 * oldest entry goes first.
 */
export class IsolateMemo<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #loading = new Map<string, Promise<V | undefined>>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(opts: { ttlMs: number; maxEntries: number }) {
    this.#ttlMs = opts.ttlMs;
    this.#maxEntries = opts.maxEntries;
  }

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, now = Date.now()): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, expiresAt: now + this.#ttlMs });
  }

  /**
   * The entry, or what `loader` returns, kept when defined. Requests that miss together share one load: a burst of
   * calls to one number would otherwise repeat the same reads once per call, on the thread every call shares, and
   * the first calls of the burst wait for all of them. A failed load is not kept, and the next miss tries again.
   */
  load(key: string, loader: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const load = loader()
      .then((value) => {
        if (value !== undefined && this.#loading.get(key) === load) this.set(key, value);
        return value;
      })
      .finally(() => {
        if (this.#loading.get(key) === load) this.#loading.delete(key);
      });
    this.#loading.set(key, load);
    return load;
  }

  /** Forgets the entry and any load in flight for it (a writer changed what it caches). */
  delete(key: string): void {
    this.#entries.delete(key);
    this.#loading.delete(key);
  }

  /** Deletes every entry whose value matches (e.g. all keys of one account). */
  deleteWhere(match: (value: V) => boolean): void {
    for (const [key, entry] of this.#entries) if (match(entry.value)) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
