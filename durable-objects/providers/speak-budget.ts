/**
 * What one Deepgram `/v1/speak` socket may still take (protocol notes §4.1), counted on the call clock: 20 Flushes per
 * rolling 60 s, 12,000 characters per rolling 2 minutes, 60 minutes per connection. Our counts run from when we send,
 * Deepgram's from when it receives, so the windows here are a little longer and the caps a little lower.
 */
export const DEEPGRAM_SPEAK_LIMITS = { flushes: 20, flushWindowMs: 60_000, characters: 12_000, characterWindowMs: 120_000, connectionMs: 60 * 60_000 } as const;

const MARGIN_MS = 2_000;
const USABLE_FLUSHES = DEEPGRAM_SPEAK_LIMITS.flushes - 2;
const USABLE_CHARACTERS = DEEPGRAM_SPEAK_LIMITS.characters - 1_000;
/** Below this many flushes left, clauses are merged (several Speaks, one Flush). */
const MERGE_BELOW_FLUSHES = 10;
/** Below this many flushes (or characters) left, or past this age, a standby socket is opened and taken when ready. */
const LOW_FLUSHES = 6;
const LOW_CHARACTERS = 4_000;
const STANDBY_AGE_MS = 50 * 60_000;
/** No new text after this age: what was sent last has minutes to be synthesised before the 60-minute cap. */
const LAST_SEND_AGE_MS = 55 * 60_000;

export class SpeakBudget {
  readonly #openedAtMs: number;
  #flushes: number[] = [];
  #characters: { at: number; count: number }[] = [];

  constructor(openedAtMs: number) {
    this.#openedAtMs = openedAtMs;
  }

  flushesLeft(nowMs: number): number {
    this.#flushes = this.#flushes.filter((at) => nowMs - at < DEEPGRAM_SPEAK_LIMITS.flushWindowMs + MARGIN_MS);
    return USABLE_FLUSHES - this.#flushes.length;
  }

  charactersLeft(nowMs: number): number {
    this.#characters = this.#characters.filter((e) => nowMs - e.at < DEEPGRAM_SPEAK_LIMITS.characterWindowMs + MARGIN_MS);
    return USABLE_CHARACTERS - this.#characters.reduce((n, e) => n + e.count, 0);
  }

  ageMs(nowMs: number): number {
    return nowMs - this.#openedAtMs;
  }

  /** One more Flush of `characters` fits. Text longer than a whole window's allowance fits an unused socket only. */
  fits(nowMs: number, characters: number): boolean {
    const left = this.charactersLeft(nowMs);
    const charactersFit = characters <= left || left === USABLE_CHARACTERS;
    return this.flushesLeft(nowMs) > 0 && charactersFit && this.ageMs(nowMs) < LAST_SEND_AGE_MS;
  }

  shouldMerge(nowMs: number): boolean {
    return this.flushesLeft(nowMs) < MERGE_BELOW_FLUSHES;
  }

  /** Time to have a fresh socket ready, and to move to it. */
  isLow(nowMs: number): boolean {
    return this.flushesLeft(nowMs) < LOW_FLUSHES || this.charactersLeft(nowMs) < LOW_CHARACTERS || this.ageMs(nowMs) >= STANDBY_AGE_MS;
  }

  record(nowMs: number, characters: number): void {
    this.#flushes.push(nowMs);
    this.#characters.push({ at: nowMs, count: characters });
  }
}
