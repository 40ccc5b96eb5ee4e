import type { FrameOf } from "./frames.ts";

/** Lines the caller must hear to the end: those a hang-up follows (closing, voicemail, apology) and the recording disclosure. */
export const UNINTERRUPTIBLE: ReadonlySet<FrameOf<"prompt">["reason"]> = new Set(["closing", "voicemail", "apology", "disclosure"]);

/**
 * Tracks uninterruptible lines from the moment they are asked for until they have been heard. While one is
 * pending, caller speech does not barge in; a caller turn waits and is answered once the line has been heard
 * (or dropped, when the line ends the call).
 */
export class PromptGuard {
  readonly #lines = new Set<number>();
  #waiting: (() => void)[] = [];

  get active(): boolean {
    return this.#lines.size > 0;
  }

  protect(turnId: number): void {
    this.#lines.add(turnId);
  }

  /** Runs `fn` now, or once every protected line has been heard. */
  afterwards(fn: () => void): void {
    if (this.active) this.#waiting.push(fn);
    else fn();
  }

  /** `turnId` was heard in full; `listen`: the call goes on, so the caller turns that waited are answered. */
  heard(turnId: number, listen: boolean): void {
    if (!this.#lines.delete(turnId) || this.active) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    // After the other observers have seen the line end (recording starts, the transcript row closes).
    if (listen) queueMicrotask(() => waiting.forEach((fn) => fn()));
  }

  /** Playback was cut from outside (stream replaced, call ending): no line is pending any more. */
  reset(): void {
    this.#lines.clear();
    this.#waiting = [];
  }
}
