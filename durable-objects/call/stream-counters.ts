import type { CallStore } from "./call-store.ts";
import { emptyStreamCounters, type StreamCounters } from "./twilio-stream.ts";

/** Dropped frames come as fast as anyone can send them, authenticated or not: their count is written at most this often. */
export const COUNTER_SAVE_INTERVAL_MS = 5_000;
const KEY = "streamCounters";

/**
 * The call's frame counters: counted in memory (a storage write holds back the object's outgoing audio, and an
 * unauthenticated socket must not be able to cause one per frame), written at most every COUNTER_SAVE_INTERVAL_MS
 * while frames are dropped, and whenever a stream closes or the call ends.
 */
export class StreamCounterStore {
  readonly counters: StreamCounters;
  #savedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: CallStore,
    private readonly now: () => number = Date.now,
  ) {
    this.counters = store.get<StreamCounters>(KEY) ?? emptyStreamCounters();
  }

  /** A frame was dropped: persisted now only if the last write is old enough. */
  dropped(): void {
    if (this.now() - this.#savedAt >= COUNTER_SAVE_INTERVAL_MS) this.save();
  }

  save(): void {
    this.#savedAt = this.now();
    this.store.put(KEY, this.counters);
  }
}
