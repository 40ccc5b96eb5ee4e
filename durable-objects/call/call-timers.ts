/**
 * The call's durable deadlines, kept in one Durable Object alarm (an object has exactly one): the maximum call
 * duration and the caller's silence timeout. Times are on the call clock, which runs `speed` times faster in
 * local simulations.
 */
export interface TimerPolicy {
  maxCallDurationS: number;
  silenceTimeoutS: number;
  silenceReprompts: number;
  speed: number;
}

export type TimerAction = { kind: "none" } | { kind: "max_duration" } | { kind: "reprompt" } | { kind: "give_up" };

export class CallTimers {
  #lastActivityAt: number;
  #reprompts = 0;

  constructor(
    private readonly policy: TimerPolicy,
    private readonly startedAt: number,
    private readonly storage: { setAlarm(at: number): Promise<void> | void },
  ) {
    this.#lastActivityAt = startedAt;
  }

  get maxDurationAt(): number {
    return this.startedAt + (this.policy.maxCallDurationS * 1000) / this.policy.speed;
  }

  get silenceAt(): number {
    return this.#lastActivityAt + (this.policy.silenceTimeoutS * 1000) / this.policy.speed;
  }

  /** The caller spoke or the agent finished speaking: silence is measured from now. */
  activity(now: number, byCaller: boolean): void {
    this.#lastActivityAt = now;
    if (byCaller) this.#reprompts = 0;
    void this.storage.setAlarm(Math.min(this.maxDurationAt, this.silenceAt));
  }

  /** What the alarm should do at `now`, given whether the agent is speaking. */
  due(now: number, agentSpeaking: boolean): TimerAction {
    if (now >= this.maxDurationAt) return { kind: "max_duration" };
    if (agentSpeaking || now < this.silenceAt) {
      void this.storage.setAlarm(Math.min(this.maxDurationAt, agentSpeaking ? now + 1000 / this.policy.speed : this.silenceAt));
      return { kind: "none" };
    }
    if (this.#reprompts < this.policy.silenceReprompts) {
      this.#reprompts++;
      this.#lastActivityAt = now;
      return { kind: "reprompt" };
    }
    return { kind: "give_up" };
  }
}
