import { isBargeIn, type InterruptionSensitivity } from "../barge-in-policy.ts";
import type { AudioClock } from "../audio-clock.ts";
import type { FluxTurnInfo } from "../../providers/provider-types.ts";
import type { Frame, FrameOf, Word } from "../frames.ts";
import type { PromptGuard } from "../prompt-guard.ts";
import { BaseStage } from "../stage.ts";
import type { TurnMetrics } from "../turn-metrics.ts";

export interface TurnDetectorOptions {
  sensitivity: InterruptionSensitivity;
  /** Start the model on a stable interim transcript (the turn is confirmed or replaced at the endpoint). */
  earlyStart: boolean;
  /**
   * The speech-to-text is Deepgram Flux: turns come from its `turn_info` (EagerEndOfTurn starts the model
   * speculatively, TurnResumed cancels, EndOfTurn commits), not from endpointing, utterance ends or stable interims.
   */
  fluxTurns: () => boolean;
  agentSpeaking: () => boolean;
  /** A reply is on its way (model running, or speech not yet audible). */
  replyPending: () => boolean;
  guard: PromptGuard;
  nextTurnId: () => number;
  clock: AudioClock;
  metrics: TurnMetrics;
  /** DTMF digits pressed within this window reach the model as one event. */
  dtmfWindowMs?: number;
}

const EARLY_START_MIN_WORDS = 3;

/**
 * Transcript frames → caller turns. A turn ends on `speech_final` (Deepgram's endpoint), or on `UtteranceEnd`
 * when no endpoint came; no extra wait is added on top of the provider's endpointing. While the agent is
 * talking, words that pass the barge-in policy interrupt it; backchannels are dropped. A reply to an earlier
 * turn that is not yet audible is cancelled by the caller's first real words (interim ones included), so it never
 * starts over the newer turn. VAD's speech start alone changes nothing: it also fires on breaths and line noise,
 * and holding a reply on it leaves dead air. Uninterruptible lines (closing, disclosure) are never barged in on.
 *
 * A tentative turn (early start, Flux's eager end of turn) lets the model answer before the turn is final; its
 * reply is held until the final turn confirms the same words, and withdrawn (`user_turn_cancelled`) as soon as the
 * caller's words move on. With Flux, its `Update`s are the interim transcripts (barge-in works on them as above),
 * and its `StartOfTurn` words go through the same barge-in policy.
 */
export class TurnDetectorStage extends BaseStage {
  readonly name = "turn-detector";
  #finals: string[] = [];
  #interim = "";
  #lastWordEndMs = 0;
  #interruptedThisUtterance = false;
  #tentative: { turnId: number; text: string } | undefined;
  #previousInterim = "";
  #dtmf: string[] = [];
  #dtmfTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: TurnDetectorOptions) {
    super();
  }

  handle(frame: Frame): void {
    switch (frame.kind) {
      case "transcript":
        return this.#onTranscript(frame);
      case "utterance_end":
        if (!this.opts.fluxTurns() && (this.#finals.length > 0 || this.#interim)) this.#endTurn();
        return;
      case "turn_info":
        return this.#onTurnInfo(frame.info);
      case "caller_dtmf":
        return this.#onDtmf(frame.digit);
      case "speech_started":
      case "interrupt":
        return;
      case "end":
        clearTimeout(this.#dtmfTimer ?? null);
        return;
      default:
        this.push(frame);
    }
  }

  #utterance(): string {
    return [...this.#finals, this.#interim].filter(Boolean).join(" ").replace(/\s+/g, " ").trim();
  }

  #onTranscript(t: FrameOf<"transcript">): void {
    this.#heardWords(t.words);
    if (t.isFinal) {
      if (t.text.trim()) this.#finals.push(t.text.trim());
      this.#interim = "";
    } else {
      this.#interim = t.text.trim();
    }
    const utterance = this.#utterance();
    const flux = this.opts.fluxTurns();
    // Flux says itself when a turn resumes (its Updates may still be catching up with the eager transcript).
    if (!flux && this.#tentative && utterance !== this.#tentative.text) this.#cancelTentative();
    this.#maybeBargeIn(utterance);
    if (flux) return;
    if (t.speechFinal) return this.#endTurn();
    if (this.opts.earlyStart && !t.isFinal) this.#maybeStartEarly(utterance);
  }

  #onTurnInfo(info: FluxTurnInfo): void {
    if (!this.opts.fluxTurns()) return;
    this.#heardWords(info.words);
    this.#finals = [];
    this.#interim = info.transcript.trim();
    const utterance = this.#utterance();
    switch (info.event) {
      case "StartOfTurn":
        // A new turn: nothing of the last one may still be pending (defensive: EndOfTurn closed it).
        if (this.#tentative) this.#cancelTentative();
        this.#interruptedThisUtterance = false;
        return this.#maybeBargeIn(utterance);
      case "EagerEndOfTurn":
        if (this.#tentative?.text === utterance) return;
        if (this.#tentative) this.#cancelTentative();
        if (!utterance || this.opts.agentSpeaking() || this.opts.guard.active || this.#talkedOver(utterance)) return;
        return this.#startTentative(utterance);
      case "TurnResumed":
        if (this.#tentative) this.#cancelTentative();
        return;
      case "EndOfTurn":
        return this.#endTurn();
    }
  }

  #heardWords(words: Word[]): void {
    const last = words[words.length - 1];
    if (last) this.#lastWordEndMs = Math.max(this.#lastWordEndMs, last.endMs);
  }

  #maybeBargeIn(utterance: string): void {
    if (!utterance || this.#interruptedThisUtterance || this.opts.guard.active || !isBargeIn(utterance, this.opts.sensitivity)) return;
    const speaking = this.opts.agentSpeaking();
    if (speaking || this.#replyOwed()) {
      this.#interruptedThisUtterance = true;
      this.context.broadcast({ kind: "interrupt", reason: speaking ? "barge_in" : "new_turn", atMs: this.context.now() });
    }
  }

  /**
   * Said over the agent (or over a reply still on its way) without stopping it: a backchannel, not a turn. Over an
   * uninterruptible line, real words are a turn, answered once the line has been heard.
   */
  #talkedOver(text: string): boolean {
    const over = (this.opts.agentSpeaking() || this.#replyOwed()) && !this.#interruptedThisUtterance;
    return over && !(this.opts.guard.active && isBargeIn(text, this.opts.sensitivity));
  }

  #startTentative(text: string): void {
    const turnId = this.opts.nextTurnId();
    this.#tentative = { turnId, text };
    this.#mark(turnId, false);
    this.push({ kind: "user_turn", turnId, text, speechEndedAudioMs: this.#lastWordEndMs, tentative: true });
  }

  /** The tentative turn will not be confirmed: its model is stopped now, and nothing of its reply is heard. */
  #cancelTentative(): void {
    const turnId = this.#tentative!.turnId;
    this.#tentative = undefined;
    this.push({ kind: "user_turn_cancelled", turnId });
  }

  /** Two identical interims in a row with enough words: likely the whole utterance, worth starting on. */
  #maybeStartEarly(utterance: string): void {
    const stable = utterance === this.#previousInterim && utterance.split(" ").length >= EARLY_START_MIN_WORDS;
    this.#previousInterim = utterance;
    if (!stable || this.#tentative?.text === utterance || this.opts.agentSpeaking() || this.opts.guard.active) return;
    this.#startTentative(utterance);
  }

  /** A reply to an earlier utterance is on its way (an early start belongs to this utterance). */
  #replyOwed(): boolean {
    return !this.#tentative && this.opts.replyPending();
  }

  #endTurn(): void {
    const text = this.#utterance();
    // The final words differ from the tentative ones (with Flux only defensively: its EndOfTurn repeats the eager
    // transcript): the tentative reply is withdrawn and the turn asked afresh.
    if (this.#tentative && this.#tentative.text !== text) this.#cancelTentative();
    const tentative = this.#tentative;
    const talkedOver = this.#talkedOver(text);
    this.#finals = [];
    this.#interim = "";
    this.#previousInterim = "";
    this.#tentative = undefined;
    this.#interruptedThisUtterance = false;
    if (!text || talkedOver) {
      if (tentative) this.push({ kind: "user_turn_cancelled", turnId: tentative.turnId });
      return;
    }
    const turnId = tentative ? tentative.turnId : this.opts.nextTurnId();
    this.#mark(turnId, true);
    this.push({ kind: "user_turn", turnId, text, speechEndedAudioMs: this.#lastWordEndMs, tentative: false });
  }

  #mark(turnId: number, final: boolean): void {
    const wall = this.opts.clock.wallAt(this.#lastWordEndMs);
    if (wall !== undefined) this.opts.metrics.mark(turnId, "speech_end", wall);
    if (final) this.opts.metrics.mark(turnId, "stt_final", this.context.now());
  }

  #onDtmf(digit: string): void {
    this.#dtmf.push(digit);
    const pressedAt = this.context.now();
    clearTimeout(this.#dtmfTimer ?? null);
    this.#dtmfTimer = setTimeout(() => {
      const digits = this.#dtmf.join(", ");
      this.#dtmf = [];
      const turnId = this.opts.nextTurnId();
      // A key press is the caller's "speech": it ends at the last digit, and is final when the window closes.
      this.opts.metrics.mark(turnId, "speech_end", pressedAt);
      this.opts.metrics.mark(turnId, "stt_final", this.context.now());
      this.push({ kind: "user_turn", turnId, text: `[The caller pressed: ${digits}]`, speechEndedAudioMs: this.opts.clock.audioMs, tentative: false });
    }, this.opts.dtmfWindowMs ?? 1_000);
  }
}
