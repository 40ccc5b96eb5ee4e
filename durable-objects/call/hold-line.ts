import type { Frame } from "../pipeline/frames.ts";

/** The longest a warm transfer waits for the agent's "please hold" to be heard before moving the caller. */
export const HOLD_LINE_MAX_MS = 8_000;

/**
 * Resolves once turn `turnId` has been heard, the caller talked over it, the pipeline ended, or `maxMs` passed:
 * a line that never finishes playing must not hold a transfer up. `observe` registers a pipeline observer and
 * returns what removes it: the waiter is removed once settled, so transfers on a long call leave none behind.
 */
export function heardOrTimeout(observe: (observer: (frame: Frame) => void) => () => void, turnId: number, maxMs = HOLD_LINE_MAX_MS): Promise<void> {
  return new Promise<void>((resolve) => {
    let settled = false;
    const timer = setTimeout(() => finish(), maxMs);
    const stop = observe((frame) => {
      if ((frame.kind === "playback_done" && frame.turnId === turnId) || (frame.kind === "interrupt" && frame.reason === "barge_in") || frame.kind === "end") finish();
    });
    function finish(): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop();
      resolve();
    }
  });
}
