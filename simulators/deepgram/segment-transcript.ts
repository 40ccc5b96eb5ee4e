import { Random } from "../common/random.ts";
import { planWords } from "../common/speech-audio.ts";
import type { ExpectedUtterance, UtteranceRegistry } from "../common/utterance-registry.ts";

/**
 * The words of one detected speech segment and when each was "spoken". Words come from the utterance the scripted
 * caller announced (or a placeholder) and are laid out with the same timing model the speech synthesizer uses, so
 * an interim after N ms of speech contains the words that synthesized audio would have said by then.
 */
export interface TimedWord {
  /** Lowercase, without punctuation (Deepgram's `word`). */
  word: string;
  /** As written (Deepgram's `punctuated_word`). */
  punctuated: string;
  startMs: number;
  endMs: number;
  confidence: number;
}

interface PlannedWord {
  punctuated: string;
  word: string;
  startMs: number;
  endMs: number;
  confidence: number;
}

const PLACEHOLDER_VOCABULARY = (
  "the caller says hello and asks about an order a booking the weather some help with an account today please " +
  "thanks yes no maybe later tomorrow morning afternoon evening number address payment delivery question"
).split(" ");

export class SegmentTranscript {
  readonly #words: PlannedWord[];
  readonly #plannedMs: number;
  /** True when the words are the caller's announced utterance rather than a placeholder. */
  readonly scripted: boolean;

  private constructor(text: string, scripted: boolean, seed: number) {
    const plan = planWords(text);
    const random = new Random(seed);
    this.#words = plan.words.map((w) => ({
      punctuated: w.word,
      word: w.word.toLowerCase().replace(/[^\p{L}\p{N}'-]/gu, "") || w.word.toLowerCase(),
      startMs: w.startMs,
      endMs: w.endMs,
      confidence: Math.round((0.9 + random.next() * 0.0999) * 10_000) / 10_000,
    }));
    this.#plannedMs = Math.max(1, plan.durationMs);
    this.scripted = scripted;
  }

  static scripted(text: string, seed: number): SegmentTranscript {
    return new SegmentTranscript(text, true, seed);
  }

  /** A deterministic stand-in, long enough for about two minutes of speech; callers take a prefix. */
  static placeholder(seed: number): SegmentTranscript {
    const random = new Random(seed);
    const words = Array.from({ length: 300 }, () => PLACEHOLDER_VOCABULARY[Math.floor(random.next() * PLACEHOLDER_VOCABULARY.length)] ?? "hello");
    return new SegmentTranscript(words.join(" "), false, seed);
  }

  get wordCount(): number {
    return this.#words.length;
  }

  /**
   * How many words `speechMs` of speech has covered (a word counts once most of it was heard). A scripted
   * utterance never reports its last word before the segment is over, so the final result always adds something.
   */
  heardCount(speechMs: number, segmentOver: boolean): number {
    const covered = this.#words.filter((w) => w.startMs + 0.6 * (w.endMs - w.startMs) <= speechMs).length;
    if (this.scripted) return segmentOver ? this.#words.length : Math.min(covered, this.#words.length - 1);
    return segmentOver ? Math.max(1, covered) : covered;
  }

  /**
   * Words [from, to) placed in audio time. The plan is stretched onto the segment's actual speech
   * (`segmentStartMs`..`segmentEndMs`) when the end is known, and otherwise laid out at the planned rate.
   */
  timed(from: number, to: number, segmentStartMs: number, segmentEndMs: number | undefined, notBeforeMs = 0): TimedWord[] {
    const lastPlanned = to > 0 ? (this.#words[to - 1]?.endMs ?? this.#plannedMs) : this.#plannedMs;
    const scale = segmentEndMs === undefined ? 1 : (segmentEndMs - segmentStartMs) / Math.max(1, this.scripted ? this.#plannedMs : lastPlanned);
    const out: TimedWord[] = [];
    let floor = notBeforeMs;
    for (const w of this.#words.slice(from, to)) {
      const startMs = Math.max(floor, segmentStartMs + w.startMs * scale);
      const endMs = Math.max(startMs + 20, segmentStartMs + w.endMs * scale);
      out.push({ word: w.word, punctuated: w.punctuated, startMs, endMs, confidence: w.confidence });
      floor = endMs;
    }
    return out;
  }
}

/**
 * The words of a stream's new speech segment: the call's next scripted utterance not yet claimed by an earlier
 * segment of this stream, or a deterministic placeholder when the caller announced nothing.
 */
export function segmentWords(
  registry: UtteranceRegistry,
  callSid: string | undefined,
  claimed: ReadonlySet<number>,
  seed: number,
  segmentIndex: number,
): { transcript: SegmentTranscript; utterance: ExpectedUtterance | undefined } {
  const utterance = registry.upcoming(callSid).find((u) => !claimed.has(u.id));
  return { utterance, transcript: utterance ? SegmentTranscript.scripted(utterance.text, seed) : SegmentTranscript.placeholder(seed + 7919 * segmentIndex) };
}
