import { describe, expect, it } from "vitest";
import { TurnMetrics } from "./turn-metrics.ts";

describe("TurnMetrics", () => {
  it("stores the seven marks as integer timestamps from the end of speech, and the spans under their own keys", () => {
    const m = new TurnMetrics();
    const at = { speech_end: 1000.4, stt_final: 1300, llm_request: 1302, llm_first_token: 1700, first_chunk_to_tts: 1780, tts_first_byte: 1950, first_audio_sent: 1952 } as const;
    for (const [mark, ms] of Object.entries(at)) m.mark(7, mark as keyof typeof at, ms);
    m.mark(7, "llm_first_token", 2500); // a later round's first token does not move the turn's
    expect(m.timings(7)).toEqual({
      speech_end_ms: 0,
      stt_final_ms: 300,
      llm_request_ms: 302,
      llm_first_token_ms: 700,
      first_chunk_to_tts_ms: 780,
      tts_first_byte_ms: 950,
      first_audio_sent_ms: 952,
      stt_ms: 300,
      llm_ttft_ms: 398,
      tts_ttfb_ms: 170,
      voice_to_voice_ms: 952,
      platform_overhead_ms: 2 + 2,
    });
  });

  it("a fixed line counts from when it was asked for; an early start adds no platform wait before the model", () => {
    const m = new TurnMetrics();
    m.mark(0, "prompt", 50);
    m.mark(0, "first_chunk_to_tts", 51);
    m.mark(0, "tts_first_byte", 190);
    m.mark(0, "first_audio_sent", 191);
    expect(m.timings(0)).toEqual({ first_chunk_to_tts_ms: 1, tts_first_byte_ms: 140, first_audio_sent_ms: 141, tts_ttfb_ms: 139 });

    m.mark(1, "llm_request", 900); // asked on a stable interim, before the final
    m.mark(1, "speech_end", 1000);
    m.mark(1, "stt_final", 1200);
    m.mark(1, "tts_first_byte", 1250);
    m.mark(1, "first_audio_sent", 1251);
    expect(m.timings(1)).toMatchObject({ llm_request_ms: -100, voice_to_voice_ms: 251, platform_overhead_ms: 1 });
  });
});
