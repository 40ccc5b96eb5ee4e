import type { Word } from "../pipeline/frames.ts";
import type { FluxTurnInfoMessage } from "./deepgram-flux-messages.ts";
import type { FluxTurnEvent, SpeechToTextListener } from "./provider-types.ts";

type TurnState = "idle" | "ongoing" | "eager";

/**
 * Turns one Flux socket's TurnInfo messages into listener calls on the call's audio clock, keeping the state machine
 * Flux documents (flux/state) across reconnects: a replacement socket re-hears the turn under way (its audio was
 * replayed) and restarts `turn_index` at 0, so turns are numbered here, and events the listener already has for the
 * turn are dropped (a second StartOfTurn, the same EagerEndOfTurn again, a TurnResumed with no eager before it). If
 * the replayed transcript differs from an eager one already delivered, a TurnResumed goes first, so an EndOfTurn
 * always equals the EagerEndOfTurn delivered just before it.
 */
export class FluxEventMapper {
  readonly #listener: SpeechToTextListener;
  #state: TurnState = "idle";
  #turnIndex = 0;
  #eagerTranscript = "";
  #lastInterim = "";
  duplicatesDropped = 0;

  constructor(listener: SpeechToTextListener) {
    this.#listener = listener;
  }

  /** Delivers a TurnInfo; returns the call-clock point up to which audio is settled (a turn ended, or none is open). */
  turnInfo(m: FluxTurnInfoMessage, baseMs: number): number | undefined {
    const windowEndMs = Math.round(baseMs + m.audio_window_end * 1000);
    const words = callClockWords(m, baseMs);
    switch (m.event) {
      case "Update":
        if (this.#state === "idle") return windowEndMs;
        this.#interim(m.transcript, words);
        return undefined;
      case "StartOfTurn":
        if (this.#state !== "idle") return this.#drop();
        this.#state = "ongoing";
        // Its first word's start; without one, where it was detected (the window's start is the previous turn's end).
        this.#listener.speechStarted(words[0]?.startMs ?? windowEndMs);
        this.#deliver("StartOfTurn", m, words);
        this.#interim(m.transcript, words);
        return undefined;
      case "EagerEndOfTurn":
        if (this.#state === "eager") {
          if (m.transcript === this.#eagerTranscript) return this.#drop();
          this.#deliver("TurnResumed", m, words);
        }
        this.#state = "eager";
        this.#eagerTranscript = m.transcript;
        this.#deliver("EagerEndOfTurn", m, words);
        return undefined;
      case "TurnResumed":
        if (this.#state !== "eager") return this.#drop();
        this.#state = "ongoing";
        this.#deliver("TurnResumed", m, words);
        return undefined;
      case "EndOfTurn":
        if (this.#state === "eager" && m.transcript !== this.#eagerTranscript) this.#deliver("TurnResumed", m, words);
        this.#deliver("EndOfTurn", m, words);
        this.#state = "idle";
        this.#turnIndex++;
        this.#lastInterim = "";
        return windowEndMs;
    }
  }

  #interim(text: string, words: Word[]): void {
    if (!text || text === this.#lastInterim) return;
    this.#lastInterim = text;
    this.#listener.transcript({ text, words, isFinal: false, speechFinal: false, fromFinalize: false });
  }

  #deliver(event: FluxTurnEvent, m: FluxTurnInfoMessage, words: Word[]): void {
    this.#listener.turnInfo?.({ event, turnIndex: this.#turnIndex, transcript: m.transcript, words, endOfTurnConfidence: m.end_of_turn_confidence });
  }

  #drop(): undefined {
    this.duplicatesDropped++;
    return undefined;
  }
}

/** Word times on the call clock; words without times (optional in the reference) share the audio window evenly. */
function callClockWords(m: FluxTurnInfoMessage, baseMs: number): Word[] {
  const at = (s: number): number => Math.round(baseMs + s * 1000);
  const spanS = (m.audio_window_end - m.audio_window_start) / Math.max(1, m.words.length);
  return m.words.map((w, i) => ({
    word: w.word,
    startMs: at(w.start ?? m.audio_window_start + i * spanS),
    endMs: at(w.end ?? m.audio_window_start + (i + 1) * spanS),
  }));
}
