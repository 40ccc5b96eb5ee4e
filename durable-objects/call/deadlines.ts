import type { CallStore } from "./call-store.ts";

/**
 * Every reason the call's object wants to wake up. An object has one alarm; each deadline keeps its own time under
 * its name, so setting one never moves another (the lease renewal cannot push back an end deadline).
 */
export type DeadlineName =
  /** Renew the account's concurrency lease. */
  | "lease"
  /** No live stream by then: the call ends (see CallSession's `endBy`). */
  | "end_by"
  /** A warm transfer's dial, briefing or bridged deadline. */
  | "transfer"
  /** The runtime's maximum duration and silence timers. */
  | "call_timers"
  /** A line that ends the call (closing line, `end_call`, apology) hangs up by then even if never heard in full. */
  | "hangup"
  /** The finished call's records: retry delivery, or send the usage event once Twilio's duration is overdue. */
  | "delivery";

type Schedule = Partial<Record<DeadlineName, number>>;

const KEY = "deadlines";

/**
 * The call's named deadlines, durable in its storage, and the object's one alarm set to the earliest of them. Each
 * change writes the schedule and sets the alarm from it in the same synchronous step (no read of the alarm across
 * an await), so two callers can never leave the alarm later than a deadline that is still pending.
 */
export class Deadlines {
  constructor(
    private readonly store: CallStore,
    private readonly storage: Pick<DurableObjectStorage, "setAlarm" | "deleteAlarm">,
  ) {}

  get schedule(): Schedule {
    return this.store.get<Schedule>(KEY) ?? {};
  }

  set(name: DeadlineName, at: number): void {
    this.#save({ ...this.schedule, [name]: at });
  }

  clear(name: DeadlineName): void {
    const schedule = this.schedule;
    if (schedule[name] === undefined) return;
    delete schedule[name];
    this.#save(schedule);
  }

  clearAll(): void {
    this.#save({});
  }

  /** Removes and returns every deadline due at `now`, earliest first; the alarm moves to the next one left. */
  takeDue(now: number): DeadlineName[] {
    const schedule = this.schedule;
    const due = (Object.entries(schedule) as [DeadlineName, number][]).filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [name] of due) delete schedule[name];
    this.#save(schedule);
    return due.map(([name]) => name);
  }

  #save(schedule: Schedule): void {
    this.store.put(KEY, schedule);
    const times = Object.values(schedule);
    // Storage operations are applied in the order they are issued: the alarm ends up at this schedule's earliest.
    if (times.length === 0) void this.storage.deleteAlarm();
    else void this.storage.setAlarm(Math.min(...times));
  }
}
