import type { Frame } from "../frames.ts";
import { BaseStage } from "../stage.ts";

export interface ChunkerOptions {
  /** The first chunk of a reply goes to speech at the first clause boundary past this many characters. */
  firstChunkMinChars?: number;
  /** Later chunks are whole sentences of at least this many characters. */
  sentenceMinChars?: number;
  /** A run without punctuation is cut at a word boundary past this many characters. */
  maxChars?: number;
  nextChunkId: () => number;
}

const CLAUSE_END = /[,;:—–]\s|[.!?…]["')\]]?\s/g;
const SENTENCE_END = /[.!?…]["')\]]?\s/g;
/** A period after these ends a word, not a sentence ("Dr. Lee", "9 a.m. on", "J. Smith"). */
const ABBREVIATION = /(?:^|[\s(])(?:mr|mrs|ms|dr|prof|st|jr|sr|mt|ave|inc|ltd|co|no|vs|etc|approx|dept|e\.g|i\.e|a\.m|p\.m|[a-z])\.$/i;

/**
 * Reply text deltas → chunks for speech. The first clause is sent as soon as it is long enough to sound natural
 * (latency), later text by sentence (prosody). Chunk ids increase across the call; playback plays in id order.
 */
export class SentenceChunkerStage extends BaseStage {
  readonly name = "sentence-chunker";
  #turnId = -1;
  #buffer = "";
  #chunksInTurn = 0;

  constructor(private readonly opts: ChunkerOptions) {
    super();
  }

  handle(frame: Frame): void {
    switch (frame.kind) {
      case "reply_delta":
        this.#begin(frame.turnId);
        this.#buffer += frame.text;
        return this.#drain(false);
      case "reply_flush":
        if (frame.turnId === this.#turnId) this.#drain(true);
        return;
      case "reply_done":
        if (frame.turnId === this.#turnId) this.#drain(true);
        this.#reset();
        return this.push(frame);
      case "dtmf_request":
        if (frame.turnId === this.#turnId) this.#drain(true);
        return this.push({ kind: "play_dtmf", turnId: frame.turnId, chunkId: this.opts.nextChunkId(), digits: frame.digits });
      case "interrupt":
        return this.#reset();
      default:
        this.push(frame);
    }
  }

  #begin(turnId: number): void {
    if (turnId === this.#turnId) return;
    this.#reset();
    this.#turnId = turnId;
  }

  #reset(): void {
    this.#buffer = "";
    this.#chunksInTurn = 0;
    this.#turnId = -1;
  }

  #drain(force: boolean): void {
    for (;;) {
      const cut = this.#cutPoint();
      if (cut === undefined) break;
      this.#emit(this.#buffer.slice(0, cut));
      this.#buffer = this.#buffer.slice(cut);
    }
    if (force) this.#emit(this.#buffer);
    if (force) this.#buffer = "";
  }

  #cutPoint(): number | undefined {
    const first = this.#chunksInTurn === 0;
    const min = first ? (this.opts.firstChunkMinChars ?? 12) : (this.opts.sentenceMinChars ?? 40);
    const pattern = first ? CLAUSE_END : SENTENCE_END;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(this.#buffer); m; m = pattern.exec(this.#buffer)) {
      const end = m.index + m[0].length;
      if (end >= min && !(m[0].startsWith(".") && ABBREVIATION.test(this.#buffer.slice(0, m.index + 1)))) return end;
    }
    const max = this.opts.maxChars ?? 220;
    if (this.#buffer.length > max) {
      const space = this.#buffer.lastIndexOf(" ", max);
      return space > 0 ? space + 1 : max;
    }
    return undefined;
  }

  #emit(text: string): void {
    const clean = text.replace(/\s+/g, " ").trim();
    if (!clean) return;
    this.#chunksInTurn++;
    this.push({ kind: "speak", turnId: this.#turnId, chunkId: this.opts.nextChunkId(), text: clean });
  }
}
