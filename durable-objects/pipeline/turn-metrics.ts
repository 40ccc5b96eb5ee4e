/**
 * Per-turn latency marks (wall-clock ms) and the breakdown stored with every agent turn.
 *
 * The seven `*_ms` keys are timestamps: integer ms from the turn's origin, which is the end of the caller's speech
 * (from STT word timings; for key presses, the last digit) or, for a fixed line (greeting, reprompt, closing), the
 * moment it was asked for. Derived spans have their own keys:
 *   stt_ms = stt_final − speech_end, llm_ttft_ms = llm_first_token − llm_request,
 *   tts_ttfb_ms = tts_first_byte − first_chunk_to_tts, voice_to_voice_ms = first_audio_sent − speech_end,
 *   platform_overhead_ms = (llm_request − stt_final) + (first_audio_sent − tts_first_byte): the platform's hops
 *   between providers. Audio in → STT and a complete clause → TTS are synchronous within one event, so they add
 *   nothing measurable here.
 */
export const TURN_MARKS = [
  "speech_end",
  "stt_final",
  "llm_request",
  "llm_first_token",
  "first_chunk_to_tts",
  "tts_first_byte",
  "first_audio_sent",
] as const;
export type TurnMark = (typeof TURN_MARKS)[number];
/** `prompt`: a fixed line was asked for; the origin of a turn that answers no caller speech. */
type Mark = TurnMark | "prompt";

export type TurnTimings = Partial<Record<`${TurnMark}_ms`, number>> & {
  stt_ms?: number;
  llm_ttft_ms?: number;
  tts_ttfb_ms?: number;
  voice_to_voice_ms?: number;
  platform_overhead_ms?: number;
};

export class TurnMetrics {
  readonly #marks = new Map<number, Partial<Record<Mark, number>>>();

  /** Records the first occurrence of `mark` for `turnId`. */
  mark(turnId: number, mark: Mark, atMs: number): void {
    const marks = this.#marks.get(turnId) ?? {};
    if (marks[mark] === undefined) marks[mark] = atMs;
    this.#marks.set(turnId, marks);
  }

  has(turnId: number, mark: Mark): boolean {
    return this.#marks.get(turnId)?.[mark] !== undefined;
  }

  /** The marks as integer ms from the turn's origin, plus the derived spans that apply to the turn. */
  timings(turnId: number): TurnTimings | undefined {
    const m = this.#marks.get(turnId);
    if (!m) return undefined;
    const origin = m.speech_end ?? m.stt_final ?? m.prompt ?? m.llm_request;
    if (origin === undefined) return undefined;
    const out: TurnTimings = {};
    for (const mark of TURN_MARKS) if (m[mark] !== undefined) out[`${mark}_ms`] = Math.round(m[mark]! - origin);
    // Spans are differences of the rounded timestamps, so the stored figures add up exactly.
    const span = (from: TurnMark, to: TurnMark) => (out[`${from}_ms`] !== undefined && out[`${to}_ms`] !== undefined ? out[`${to}_ms`]! - out[`${from}_ms`]! : undefined);
    const derived: Partial<TurnTimings> = {
      stt_ms: span("speech_end", "stt_final"),
      llm_ttft_ms: span("llm_request", "llm_first_token"),
      tts_ttfb_ms: span("first_chunk_to_tts", "tts_first_byte"),
      voice_to_voice_ms: span("speech_end", "first_audio_sent"),
    };
    // With early start the model is asked before the final transcript: no platform wait there.
    const beforeLlm = span("stt_final", "llm_request");
    const afterTts = span("tts_first_byte", "first_audio_sent");
    if (beforeLlm !== undefined && afterTts !== undefined) derived.platform_overhead_ms = Math.max(0, beforeLlm) + afterTts;
    for (const [key, value] of Object.entries(derived)) if (value !== undefined) out[key as keyof TurnTimings] = value;
    return out;
  }

  /** Turns with marks: bounded by `forget`. */
  get size(): number {
    return this.#marks.size;
  }

  /** Drops `turnId` and every earlier turn. */
  forget(turnId: number): void {
    for (const id of this.#marks.keys()) if (id <= turnId) this.#marks.delete(id);
  }
}
