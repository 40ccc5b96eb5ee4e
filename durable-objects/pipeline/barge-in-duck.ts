import { isBargeIn, type InterruptionSensitivity } from "./barge-in-policy.ts";
import type { Frame } from "./frames.ts";
import type { Stage } from "./stage.ts";

export interface BargeInDuckOptions {
  sensitivity: InterruptionSensitivity;
  now: () => number;
  agentSpeaking: () => boolean;
  /** An uninterruptible line (closing, disclosure) is pending: nothing pauses it. */
  lineProtected: () => boolean;
  /** Longest pause without words that interrupt (call-clock ms): a long noise must not silence the agent. */
  maxHoldMs?: number;
  /** Call-clock speed (tests and benchmarks run calls faster than real time). */
  speed?: number;
}

/** Deepgram's first interim with words comes ~500 ms into speech; a hold must outlast it, or the agent blips back. */
const MAX_HOLD_MS = 1_200;

/**
 * The agent pauses the moment the caller's voice starts over it (VAD `SpeechStarted`, Flux `StartOfTurn`), before
 * any word is known: playback's clock stands still, so no further audio goes to Twilio and no `clear` is sent. The
 * first words decide. Words that pass the barge-in policy leave the pause to the turn detector's interrupt (then
 * `clear` and the history cut, measured at the moment the caller heard the agent stop). A backchannel's final, a
 * final without words (a cough, line noise) or `maxHoldMs` without such words release it: the clock runs on from
 * where it stopped, so the reply resumes at the very frame it paused on, nothing lost or repeated.
 */
export class BargeInDuck {
  #heldSince: number | undefined;
  /** Time the current reply spent paused: playback's clock runs this far behind until the reply is over. */
  #offsetMs = 0;
  #finals: string[] = [];
  #interim = "";
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: BargeInDuckOptions) {}

  get holding(): boolean {
    return this.#heldSince !== undefined;
  }

  /** The clock playback paces by: it stands still while the agent is paused. */
  readonly playbackNow = (): number => {
    if (this.#heldSince !== undefined) return this.#heldSince - this.#offsetMs;
    // Once nothing is playing, the clock catches up (playback re-anchors after an idle gap), so later turns'
    // latency marks are on the call's own clock.
    if (this.#offsetMs > 0 && !this.opts.agentSpeaking()) this.#offsetMs = 0;
    return this.opts.now() - this.#offsetMs;
  };

  /** `stage` attached to a context whose clock is `playbackNow`. */
  paced(stage: Stage): Stage {
    return {
      name: stage.name,
      attach: (context) => stage.attach({ ...context, now: this.playbackNow }),
      handle: (frame) => stage.handle(frame),
      close: stage.close && (() => stage.close!()),
    };
  }

  /** Sees every frame before the turn detector does. */
  observe(frame: Frame): void {
    switch (frame.kind) {
      case "speech_started":
        if (!this.holding && this.opts.agentSpeaking() && !this.opts.lineProtected()) this.#hold();
        return;
      case "transcript":
        return this.#onTranscript(frame.text.trim(), frame.isFinal);
      case "utterance_end":
        if (this.holding && !isBargeIn(this.#utterance(), this.opts.sensitivity)) this.#release();
        return;
      case "interrupt":
      case "end":
        return this.#release();
    }
  }

  #onTranscript(text: string, isFinal: boolean): void {
    if (!this.holding) return;
    if (isFinal) {
      if (text) this.#finals.push(text);
      this.#interim = "";
    } else {
      this.#interim = text;
    }
    // Interrupting words: the turn detector broadcasts the interrupt for this very frame.
    if (isBargeIn(this.#utterance(), this.opts.sensitivity)) return;
    if (isFinal) this.#release();
  }

  #utterance(): string {
    return [...this.#finals, this.#interim].filter(Boolean).join(" ");
  }

  #hold(): void {
    this.#heldSince = this.opts.now();
    this.#finals = [];
    this.#interim = "";
    this.#timer = setTimeout(() => this.#release(), (this.opts.maxHoldMs ?? MAX_HOLD_MS) / (this.opts.speed ?? 1));
  }

  #release(): void {
    clearTimeout(this.#timer ?? null);
    this.#timer = undefined;
    if (this.#heldSince === undefined) return;
    this.#offsetMs += this.opts.now() - this.#heldSince;
    this.#heldSince = undefined;
  }
}
