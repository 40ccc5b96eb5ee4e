/**
 * Per-turn latency marks (wall-clock ms) and the derived figures stored with every agent turn. The platform's own
 * overhead is everything in voice-to-voice that was not spent waiting on a provider:
 *   (llm_request − stt_final) + (first_audio_sent − tts_first_byte).
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

export type TurnTimings = Partial<Record<`${TurnMark}_ms`, number>> & {
  voice_to_voice_ms?: number;
  platform_overhead_ms?: number;
  stt_ms?: number;
  llm_first_token_ms?: number;
  tts_first_byte_ms?: number;
};

export class TurnMetrics {
  readonly #marks = new Map<number, Partial<Record<TurnMark, number>>>();

  /** Records the first occurrence of `mark` for `turnId`. */
  mark(turnId: number, mark: TurnMark, atMs: number): void {
    const marks = this.#marks.get(turnId) ?? {};
    if (marks[mark] === undefined) marks[mark] = atMs;
    this.#marks.set(turnId, marks);
  }

  has(turnId: number, mark: TurnMark): boolean {
    return this.#marks.get(turnId)?.[mark] !== undefined;
  }

  /** Marks relative to the end of the caller's speech, plus the derived totals (ms, rounded to 0.1). */
  timings(turnId: number): TurnTimings | undefined {
    const m = this.#marks.get(turnId);
    if (!m) return undefined;
    const origin = m.speech_end ?? m.stt_final ?? m.llm_request;
    if (origin === undefined) return undefined;
    const r = (v: number) => Math.round(v * 10) / 10;
    const out: TurnTimings = {};
    for (const mark of TURN_MARKS) if (m[mark] !== undefined) out[`${mark}_ms`] = r(m[mark]! - origin);
    const span = (a?: number, b?: number) => (a !== undefined && b !== undefined ? b - a : undefined);
    const stt = span(m.speech_end, m.stt_final);
    const ttft = span(m.llm_request, m.llm_first_token);
    const ttfb = span(m.first_chunk_to_tts, m.tts_first_byte);
    if (stt !== undefined) out.stt_ms = r(stt);
    if (ttft !== undefined) out.llm_first_token_ms = r(ttft);
    if (ttfb !== undefined) out.tts_first_byte_ms = r(ttfb);
    if (m.first_audio_sent !== undefined && m.speech_end !== undefined) out.voice_to_voice_ms = r(m.first_audio_sent - m.speech_end);
    // With early start the model is asked before the final transcript: no platform wait there.
    const beforeLlm = Math.max(0, span(m.stt_final, m.llm_request) ?? Number.NaN);
    const afterTts = span(m.tts_first_byte, m.first_audio_sent);
    if (!Number.isNaN(beforeLlm) && afterTts !== undefined) out.platform_overhead_ms = r(beforeLlm + afterTts);
    return out;
  }

  forget(turnId: number): void {
    this.#marks.delete(turnId);
  }
}
