import { newSid } from "./sids.ts";

/**
 * Twilio conferences as `<Dial><Conference>` runs them: a named room per account. A participant whose
 * `startConferenceOnEnter` is false waits on hold until one whose flag is true joins; a participant with
 * `endConferenceOnExit` ends the conference for everyone when it leaves; the last one out ends it too. An ended
 * conference's name can be used again (a new conference, with a new sid).
 */
export interface ConferenceFlags {
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
}

export type ConferenceStatus = "init" | "in-progress" | "completed";

export interface ParticipantView extends ConferenceFlags {
  callSid: string;
  /** Waiting for the conference to start (hold music). */
  hold: boolean;
  joinedAt: string;
  leftAt: string | null;
}

export interface ConferenceEvent {
  at: string;
  event: "participant-join" | "participant-leave" | "conference-start" | "conference-end";
  callSid: string | null;
}

/** Why a participant's `<Dial><Conference>` finished. */
export type ConferenceExit = "conference-ended" | "left";

interface Participant extends ParticipantView {
  /** Resolves the participant's `<Dial>` when the conference ends under it. */
  release(exit: ConferenceExit): void;
}

export class Conference {
  readonly sid = newSid("CF");
  readonly dateCreated = new Date();
  status: ConferenceStatus = "init";
  readonly #participants: Participant[] = [];
  readonly events: ConferenceEvent[] = [];

  readonly accountSid: string;
  readonly friendlyName: string;

  constructor(accountSid: string, friendlyName: string) {
    this.accountSid = accountSid;
    this.friendlyName = friendlyName;
  }

  /** The participants still in the room. */
  get participants(): ParticipantView[] {
    return this.#participants.filter((p) => p.leftAt === null).map(({ release: _, ...view }) => ({ ...view }));
  }

  /** Adds a call; resolves when it leaves (its `signal` aborts: a redirect or hang-up) or the conference ends. */
  join(callSid: string, flags: ConferenceFlags, signal: AbortSignal): Promise<ConferenceExit> {
    if (this.status === "completed") throw new Error(`conference ${this.sid} has ended`);
    return new Promise((resolve) => {
      const participant: Participant = { callSid, ...flags, hold: true, joinedAt: new Date().toISOString(), leftAt: null, release: resolve };
      this.#participants.push(participant);
      this.#event("participant-join", callSid);
      if (flags.startConferenceOnEnter && this.status === "init") {
        this.status = "in-progress";
        this.#event("conference-start", null);
      }
      if (this.status === "in-progress") for (const p of this.#participants) p.hold = false;
      const leave = () => this.#leave(participant, "left");
      if (signal.aborted) leave();
      else signal.addEventListener("abort", leave, { once: true });
    });
  }

  #leave(participant: Participant, exit: ConferenceExit): void {
    if (participant.leftAt !== null) return;
    participant.leftAt = new Date().toISOString();
    this.#event("participant-leave", participant.callSid);
    participant.release(exit);
    const remaining = this.#participants.filter((p) => p.leftAt === null);
    if (remaining.length === 0 || (participant.endConferenceOnExit && this.status === "in-progress")) this.#end(remaining);
  }

  #end(remaining: Participant[]): void {
    if (this.status === "completed") return;
    this.status = "completed";
    for (const p of remaining) this.#leave(p, "conference-ended");
    this.#event("conference-end", null);
  }

  #event(event: ConferenceEvent["event"], callSid: string | null): void {
    this.events.push({ at: new Date().toISOString(), event, callSid });
  }

  toJSON() {
    return { sid: this.sid, accountSid: this.accountSid, friendlyName: this.friendlyName, status: this.status, dateCreated: this.dateCreated.toISOString(), participants: this.participants, events: this.events };
  }
}

/** The conferences of every account, by name; a name maps to its live conference, or a new one. */
export class ConferenceRegistry {
  readonly #all: Conference[] = [];

  /** The account's conference named `name` that has not ended, created when there is none. */
  open(accountSid: string, name: string): Conference {
    const live = this.#all.find((c) => c.accountSid === accountSid && c.friendlyName === name && c.status !== "completed");
    if (live) return live;
    const created = new Conference(accountSid, name);
    this.#all.push(created);
    return created;
  }

  list(filter: { accountSid?: string; friendlyName?: string } = {}): Conference[] {
    return this.#all.filter((c) => (!filter.accountSid || c.accountSid === filter.accountSid) && (!filter.friendlyName || c.friendlyName === filter.friendlyName));
  }

  get(sid: string): Conference | undefined {
    return this.#all.find((c) => c.sid === sid);
  }
}
