import type { CallStore } from "./call-store.ts";
import type { Deadlines } from "./deadlines.ts";
import type { StreamExit } from "./stream-exit.ts";

/** A deadline by which the call ends unless a stream is live again, and the reason it ends with. */
interface EndBy {
  at: number;
  reason: string;
}

/** Twilio asks `<Connect action>` as soon as a stream ends and reconnects within a second or two if the call is up. */
const STREAM_RECOVERY_GRACE_MS = 10_000;
/** A machine answered: Twilio plays the voicemail message and reports the final status; end anyway if it never does. */
const MACHINE_ANSWER_MAX_MS = 120_000;
/** Ringing (60 s), answering-machine detection (30 s) and the stream upgrade fit well within this. */
const STREAM_START_MAX_MS = 180_000;

/**
 * How long a call may go on without a live media stream (not started yet, lost, a machine answered), kept in
 * storage with its reason and behind the `end_by` deadline, so an object restarted meanwhile still ends the call.
 */
export class StreamGrace {
  constructor(
    private readonly store: CallStore,
    private readonly deadlines: Deadlines,
    private readonly now: () => number = Date.now,
  ) {}

  /** The call was accepted or placed: its stream must start in time. */
  awaitStart(): void {
    this.#endBy(STREAM_START_MAX_MS, "stream_not_started");
  }

  machineAnswered(endReason: string): void {
    this.store.put("endReason", endReason);
    this.store.event("call.answered_by_machine", { end_reason: endReason });
    this.#endBy(MACHINE_ANSWER_MAX_MS, endReason);
  }

  /** The live stream closed: unless Twilio reconnects in time, the call ends with `reason`. */
  lost(reason: string): void {
    this.#endBy(STREAM_RECOVERY_GRACE_MS, reason);
  }

  /** A stream is live (again): nothing ends the call for want of one. */
  started(): void {
    this.store.put("endBy", null);
    this.deadlines.clear("end_by");
  }

  /** The reason the call ends with now that `end_by` is due, if it is still pending. */
  dueReason(): string | undefined {
    return this.store.get<EndBy>("endBy")?.reason;
  }

  /** Asked when Twilio reports the stream ended (`<Connect action>`): whether it should reconnect. */
  recover(maxRecoveries: number): { resume: boolean; attempt: number; exit: StreamExit | null } {
    const exit = this.store.get<StreamExit>("streamExit") ?? null;
    const attempt = (this.store.get<number>("recoveries") ?? 0) + (exit ? 0 : 1);
    const resume = !exit && !this.store.get("outcome") && attempt <= maxRecoveries;
    this.store.event(resume ? "stream.recovering" : "stream.not_recovered", { attempt, exit: exit?.kind ?? null });
    if (resume) {
      this.store.put("recoveries", attempt);
      // The new stream is on its way: give it the full grace from now.
      this.#endBy(STREAM_RECOVERY_GRACE_MS, "stream_closed");
    }
    return { resume, attempt, exit };
  }

  #endBy(inMs: number, reason: string): void {
    const endBy: EndBy = { at: this.now() + inMs, reason };
    this.store.put("endBy", endBy);
    this.deadlines.set("end_by", endBy.at);
  }
}
