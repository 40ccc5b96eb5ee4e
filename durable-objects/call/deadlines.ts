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
 * The runtime's own deadlines live only as long as the runtime (an object restart takes the runtime, and the next
 * stream's runtime sets them again), and move every second while the agent speaks: they are kept in memory, so
 * re-arming them costs no storage write beyond the alarm itself (writes hold back the call's outgoing audio).
 */
const IN_MEMORY: ReadonlySet<DeadlineName> = new Set(["call_timers", "hangup"]);

/**
 * The call's named deadlines and the object's one alarm, set to the earliest of them. Each change updates the
 * schedule and sets the alarm from it in the same synchronous step (no read of the alarm across an await), so two
 * callers can never leave the alarm later than a deadline that is still pending. Durable deadlines are stored.
 */
export class Deadlines {
  readonly #inMemory: Schedule = {};
  /** The alarm as last set by this object (undefined: unknown, e.g. it has just fired). */
  #alarmAt: number | null | undefined;

  constructor(
    private readonly store: CallStore,
    private readonly storage: Pick<DurableObjectStorage, "setAlarm" | "deleteAlarm">,
  ) {}

  get schedule(): Schedule {
    return { ...(this.store.get<Schedule>(KEY) ?? {}), ...this.#inMemory };
  }

  set(name: DeadlineName, at: number): void {
    if (IN_MEMORY.has(name)) this.#inMemory[name] = at;
    else this.store.put(KEY, { ...this.store.get<Schedule>(KEY), [name]: at });
    this.#arm();
  }

  clear(name: DeadlineName): void {
    if (IN_MEMORY.has(name)) delete this.#inMemory[name];
    else {
      const stored = this.store.get<Schedule>(KEY) ?? {};
      if (stored[name] === undefined) return;
      delete stored[name];
      this.store.put(KEY, stored);
    }
    this.#arm();
  }

  clearAll(): void {
    for (const name of Object.keys(this.#inMemory)) delete this.#inMemory[name as DeadlineName];
    this.store.put(KEY, {});
    this.#arm();
  }

  /** Removes and returns every deadline due at `now`, earliest first; the alarm moves to the next one left. */
  takeDue(now: number): DeadlineName[] {
    this.#alarmAt = undefined; // the alarm that is running is spent
    const due = (Object.entries(this.schedule) as [DeadlineName, number][]).filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    const stored = this.store.get<Schedule>(KEY) ?? {};
    for (const [name] of due) {
      delete this.#inMemory[name];
      delete stored[name];
    }
    if (due.some(([name]) => !IN_MEMORY.has(name))) this.store.put(KEY, stored);
    this.#arm();
    return due.map(([name]) => name);
  }

  #arm(): void {
    const times = Object.values(this.schedule);
    const next = times.length === 0 ? null : Math.min(...times);
    if (next === this.#alarmAt) return;
    this.#alarmAt = next;
    // Storage operations are applied in the order they are issued: the alarm ends up at this schedule's earliest.
    if (next === null) void this.storage.deleteAlarm();
    else void this.storage.setAlarm(next);
  }
}
