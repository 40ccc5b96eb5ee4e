import type { CallStore } from "./call-store.ts";

export type CallLog = (level: "warn" | "error", message: string, data?: Record<string, unknown>) => void;

/**
 * The one way the call's object starts work it does not await (a transfer the agent asked for, the recording, the
 * bridge after a briefing). A task that rejects is logged with the call id, recorded as a `<label>.failed` call
 * event, and handed to its `onFailure`, which leaves the call in a safe state; it never becomes an unhandled
 * rejection, and the object is kept alive until it settles.
 */
export class BackgroundTasks {
  constructor(
    private readonly store: CallStore,
    private readonly log: CallLog,
    private readonly waitUntil: (promise: Promise<unknown>) => void,
  ) {}

  /** Runs `task` in the background; the returned promise settles (never rejects) once it and its recovery are done. */
  run(label: string, task: () => Promise<unknown>, onFailure: (error: unknown) => Promise<unknown> | void): Promise<void> {
    const done = (async () => {
      try {
        await task();
      } catch (error) {
        this.store.event(`${label}.failed`, { error: String(error) });
        this.log("error", "background task failed", { task: label, error: String((error as Error)?.stack ?? error) });
        try {
          await onFailure(error);
        } catch (again) {
          this.log("error", "background task recovery failed", { task: label, error: String(again) });
        }
      }
    })();
    this.waitUntil(done);
    return done;
  }
}
