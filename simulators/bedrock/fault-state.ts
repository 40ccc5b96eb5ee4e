import type { StreamFault } from "./converse-stream-writer.ts";

/** One-shot faults armed through the control API or the library: throttle the next N requests, fail the next stream. */
export interface ThrottleFault {
  remaining: number;
  message: string;
}

export class FaultState {
  #throttle: ThrottleFault | undefined;
  #streamFaults: StreamFault[] = [];

  throttleNext(count: number, message = "Too many requests, please wait before trying again."): void {
    this.#throttle = count > 0 ? { remaining: count, message } : undefined;
  }

  /** The throttle message if this request is one of the throttled ones. */
  takeThrottle(): string | undefined {
    if (this.#throttle === undefined) return undefined;
    const { message } = this.#throttle;
    if (--this.#throttle.remaining <= 0) this.#throttle = undefined;
    return message;
  }

  /** Arms a failure for the next stream (queued: one per call). */
  failNextStream(fault: StreamFault): void {
    this.#streamFaults.push(fault);
  }

  takeStreamFault(): StreamFault | undefined {
    return this.#streamFaults.shift();
  }

  snapshot(): { throttleRemaining: number; pendingStreamFaults: StreamFault[] } {
    return { throttleRemaining: this.#throttle?.remaining ?? 0, pendingStreamFaults: [...this.#streamFaults] };
  }

  clear(): void {
    this.#throttle = undefined;
    this.#streamFaults = [];
  }
}
