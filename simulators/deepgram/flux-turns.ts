import type { FluxProfile, LatencySampler } from "../common/latency-profile.ts";
import type { Random } from "../common/random.ts";
import type { ExpectedUtterance, UtteranceRegistry } from "../common/utterance-registry.ts";
import type { VadFrame } from "./energy-vad.ts";
import type { FluxEventName, FluxTurnEvent } from "./flux-messages.ts";
import type { FluxThresholds } from "./flux-params.ts";
import { SegmentTranscript, segmentWords, type TimedWord } from "./segment-transcript.ts";
import type { UtteranceLocator } from "./utterance-locator.ts";

/** Flux timing knobs that are not provider latencies. All audio time. */
export interface FluxTiming {
  /** Docs (flux/state): "Update messages are sent for approximately every 0.25 seconds of transcribed audio". */
  updateIntervalMs: number;
  /** Speech heard before `StartOfTurn` (no published figure; the onset plus about one syllable). */
  startOfTurnSpeechMs: number;
}

export const DEFAULT_FLUX_TIMING: FluxTiming = { updateIntervalMs: 250, startOfTurnSpeechMs: 100 };

export interface FluxTurnsDeps {
  registry: UtteranceRegistry;
  /** Where the scripted utterances begin in the stream's audio (raw μ-law streams only). */
  locator?: UtteranceLocator | undefined;
  callSid: string | undefined;
  seed: number;
  sampler: LatencySampler;
  random: Random;
  timing: FluxTiming;
  /** The VAD's hangover: shorter silences are gaps between words, never pauses. */
  vadHangoverMs: number;
  thresholds: () => FluxThresholds;
  /** Sends one TurnInfo, after `delayMs` of wall clock; `onSent` runs once it is on the wire. */
  emit(e: FluxTurnEvent, delayMs?: number, onSent?: () => void): void;
}

interface Segment {
  startMs: number;
  transcript: SegmentTranscript;
  utterance: ExpectedUtterance | undefined;
}

interface Pause {
  startMs: number;
  eagerAtMs: number;
  eotAtMs: number;
  /** Drawn with the profile's false-eager rate: this pause fires EagerEndOfTurn as soon as it is a pause. */
  early: boolean;
}

interface Turn {
  firstSpeechMs: number;
  words: TimedWord[];
  segment: Segment | undefined;
  pause: Pause | undefined;
  utterances: ExpectedUtterance[];
  started: boolean;
  eager: boolean;
}

/** Confidence during speech: low, the caller is mid-sentence. */
const SPEAKING_CONFIDENCE = 0.02;
/** The profile's figures are at eot_threshold 0.7 and eager_eot_threshold 0.5; a higher threshold waits longer. */
const THRESHOLD_SLOPE = 1.5;

/**
 * Flux's turn state machine over the VAD's frames (docs: flux/state): `StartOfTurn` → `Update`s → (`EagerEndOfTurn`
 * → `TurnResumed`)* → `EagerEndOfTurn` → `EndOfTurn`, eager events only with `eager_eot_threshold` set, an `Update`
 * every ~0.25 s of audio when no state change was sent, `turn_index` incremented after `EndOfTurn`. A turn spans
 * the VAD's speech segments until a pause is long enough: each segment is given the caller's next scripted
 * utterance, as on `/v1/listen`, so the same scripted callers work on both.
 */
export class FluxTurns {
  readonly #d: FluxTurnsDeps;
  readonly #claimed = new Set<number>();
  #turn: Turn | undefined;
  #turnIndex = 0;
  #windowStartMs = 0;
  #lastInfoMs = 0;
  #segments = 0;
  #lastVoicedMs = 0;

  constructor(deps: FluxTurnsDeps) {
    this.#d = deps;
  }

  frame(f: VadFrame): void {
    this.#lastVoicedMs = f.lastVoicedMs;
    if (f.speechStartedAtMs !== undefined) this.#speechStarted(f.speechStartedAtMs, f.endMs);
    const turn = this.#turn;
    if (turn && !turn.started && (f.endMs - turn.firstSpeechMs >= this.#d.timing.startOfTurnSpeechMs || f.speechEndedAtMs !== undefined)) {
      turn.started = true;
      this.#send("StartOfTurn", turn, f.endMs, SPEAKING_CONFIDENCE);
    }
    if (turn?.segment && f.speechEndedAtMs !== undefined) this.#speechEnded(turn, turn.segment, f.speechEndedAtMs, f.endMs);
    else if (turn?.pause) this.#inPause(turn, turn.pause, f.endMs);
    if (f.endMs - this.#lastInfoMs >= this.#d.timing.updateIntervalMs) {
      const current = this.#turn;
      this.#send("Update", current, f.endMs, current?.pause ? this.#pauseConfidence(current.pause, f.endMs) : current ? SPEAKING_CONFIDENCE : 0);
    }
  }

  /** ForceEndTurn: ends the turn now on the words heard so far ("trigger": "manual"); ignored with no turn. */
  forceEnd(nowMs: number): boolean {
    const turn = this.#turn;
    if (!turn) return false;
    if (turn.segment) {
      turn.words.push(...this.#heard(turn, turn.segment, this.#lastVoicedMs));
      turn.segment = undefined;
    }
    if (!turn.started) this.#send("StartOfTurn", turn, nowMs, SPEAKING_CONFIDENCE);
    this.#end(turn, nowMs, "manual", turn.pause ? this.#pauseConfidence(turn.pause, nowMs) : SPEAKING_CONFIDENCE);
    return true;
  }

  /** CloseStream: a last Update for the audio received; the turn is not ended (docs: flux/close-stream). */
  finalUpdate(nowMs: number): void {
    this.#send("Update", this.#turn, nowMs, 0);
  }

  #speechStarted(atMs: number, nowMs: number): void {
    let turn = this.#turn;
    if (!turn) {
      turn = { firstSpeechMs: atMs, words: [], segment: undefined, pause: undefined, utterances: [], started: false, eager: false };
      this.#turn = turn;
    } else if (turn.pause) {
      turn.pause = undefined;
      if (turn.eager) {
        turn.eager = false;
        this.#send("TurnResumed", turn, nowMs, SPEAKING_CONFIDENCE);
      }
    }
    const next = segmentWords(this.#d.registry, this.#d.callSid, this.#claimed, this.#d.seed, this.#segments++);
    if (next.utterance) {
      this.#claimed.add(next.utterance.id);
      turn.utterances.push(next.utterance);
    }
    turn.segment = { startMs: atMs, transcript: next.transcript, utterance: next.utterance };
  }

  #speechEnded(turn: Turn, segment: Segment, speechEndMs: number, nowMs: number): void {
    this.#mergeLaterSounds(turn, segment, speechEndMs);
    const words = segment.transcript.timed(0, segment.transcript.heardCount(speechEndMs - segment.startMs, true), segment.startMs, speechEndMs, turn.words.at(-1)?.endMs ?? 0);
    turn.words.push(...words);
    turn.segment = undefined;
    const t = this.#d.thresholds();
    const flux: FluxProfile = this.#d.sampler.profile.flux;
    const floorMs = this.#d.vadHangoverMs;
    const eagerMs = Math.max(floorMs, this.#d.sampler.draw(flux.eagerEndOfTurn) * scale(t.eagerEotThreshold ?? 0.5, 0.5));
    const eotMs = Math.max(eagerMs + 20, this.#d.sampler.draw(flux.endOfTurn) * scale(t.eotThreshold, 0.7));
    turn.pause = { startMs: speechEndMs, eagerAtMs: speechEndMs + eagerMs, eotAtMs: speechEndMs + eotMs, early: this.#d.random.next() < flux.falseEagerRate };
    this.#inPause(turn, turn.pause, nowMs);
  }

  /** Utterances that began inside this segment after its own: the VAD heard one segment, so they are its words (as on `/v1/listen`). */
  #mergeLaterSounds(turn: Turn, segment: Segment, speechEndMs: number): void {
    const merged = this.#d.locator?.mergedInto(segment.startMs, speechEndMs, this.#d.registry.upcoming(this.#d.callSid), this.#claimed) ?? [];
    for (const u of merged) {
      this.#claimed.add(u.id);
      turn.utterances.push(u);
    }
    const texts = [segment.utterance?.text, ...merged.map((u) => u.text)].filter(Boolean);
    if (segment.utterance && texts.length > 1) segment.transcript = SegmentTranscript.scripted(texts.join(" "), this.#d.seed);
  }

  #inPause(turn: Turn, pause: Pause, nowMs: number): void {
    const t = this.#d.thresholds();
    const modelEnds = t.eotThreshold < 1 && nowMs >= pause.eotAtMs;
    const timedOut = nowMs - pause.startMs >= t.eotTimeoutMs;
    // Eager always precedes EndOfTurn when enabled (its threshold is the lower one); it never carries an empty transcript.
    if (t.eagerEotThreshold !== undefined && !turn.eager && turn.words.length > 0 && (pause.early || nowMs >= pause.eagerAtMs || modelEnds || timedOut)) {
      turn.eager = true;
      this.#send("EagerEndOfTurn", turn, nowMs, Math.max(t.eagerEotThreshold, this.#pauseConfidence(pause, nowMs)));
    }
    if (modelEnds) this.#end(turn, nowMs, "model", t.eotThreshold + (1 - t.eotThreshold) / 2);
    else if (timedOut) this.#end(turn, nowMs, "timeout", this.#pauseConfidence(pause, nowMs));
  }

  #end(turn: Turn, nowMs: number, trigger: "model" | "manual" | "timeout", confidence: number): void {
    const utterances = turn.utterances;
    // A straggler (jittery profile) delays the turn's end on the wall clock; the registry entries are consumed only
    // once it is delivered, so a socket lost before then leaves them for its replacement.
    const delayMs = this.#d.sampler.withTail(0);
    this.#d.emit(this.#event("EndOfTurn", turn, nowMs, confidence, trigger), delayMs, () => utterances.forEach((u) => this.#d.registry.consume(u)));
    this.#lastInfoMs = nowMs;
    this.#turnIndex++;
    this.#windowStartMs = nowMs;
    this.#turn = undefined;
  }

  #send(event: FluxEventName, turn: Turn | undefined, nowMs: number, confidence: number): void {
    this.#lastInfoMs = nowMs;
    this.#d.emit(this.#event(event, turn, nowMs, confidence));
  }

  #event(event: FluxEventName, turn: Turn | undefined, nowMs: number, confidence: number, trigger?: FluxTurnEvent["trigger"]): FluxTurnEvent {
    // A copy: the message is built when it leaves the outbox, and the turn's words grow meanwhile.
    const words = !turn ? [] : turn.segment ? [...turn.words, ...this.#heard(turn, turn.segment, this.#lastVoicedMs)] : [...turn.words];
    return { event, turnIndex: this.#turnIndex, windowStartMs: this.#windowStartMs, windowEndMs: nowMs, words, endOfTurnConfidence: Math.min(1, confidence), ...(trigger ? { trigger } : {}) };
  }

  /** Words of the segment under way heard by `lastVoicedMs`, laid out at the planned rate. */
  #heard(turn: Turn, segment: Segment, lastVoicedMs: number): TimedWord[] {
    const heard = segment.transcript.heardCount(lastVoicedMs - segment.startMs, false);
    return segment.transcript.timed(0, heard, segment.startMs, undefined, turn.words.at(-1)?.endMs ?? 0);
  }

  /** Confidence grows through a pause, reaching eot_threshold when the model would end the turn. */
  #pauseConfidence(pause: Pause, nowMs: number): number {
    const eot = this.#d.thresholds().eotThreshold;
    return eot * Math.min(1, (nowMs - pause.startMs) / Math.max(1, pause.eotAtMs - pause.startMs));
  }
}

/** Silence needed grows with the threshold: ×1 at the profile's reference, ×1.3 at +0.2. */
const scale = (threshold: number, reference: number): number => Math.max(0.5, 1 + THRESHOLD_SLOPE * (threshold - reference));
