import { describe, expect, it } from "vitest";
import { agentTurns, DEMO_CALLER, DEMO_SCENARIO, placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";

const world = worldPerFile();

const MARKS = ["speech_end_ms", "stt_final_ms", "llm_request_ms", "llm_first_token_ms", "first_chunk_to_tts_ms", "tts_first_byte_ms", "first_audio_sent_ms"] as const;

describe("per-turn latency breakdown, end to end", () => {
  it("every agent turn stores integer timestamps in order, with the derived spans equal to their differences", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world);
    const { call } = await placeInboundCall(world, tenant, DEMO_CALLER);
    const [greeting, ...answers] = agentTurns(call);
    // The greeting answers no caller speech: its marks count from when it was asked for.
    expect(greeting!.timings).toMatchObject({ first_chunk_to_tts_ms: expect.any(Number), tts_first_byte_ms: expect.any(Number), first_audio_sent_ms: expect.any(Number) });
    expect(answers.length).toBeGreaterThanOrEqual(4);
    for (const turn of answers) {
      const t = turn.timings!;
      const marks = MARKS.map((k) => t[k]);
      expect(marks.every((v) => Number.isInteger(v)), JSON.stringify(t)).toBe(true);
      for (let i = 1; i < marks.length; i++) expect(marks[i]!, `${MARKS[i]} in ${JSON.stringify(t)}`).toBeGreaterThanOrEqual(marks[i - 1]!);
      expect(t.speech_end_ms).toBe(0);
      expect(t.stt_ms).toBe(t.stt_final_ms! - t.speech_end_ms!);
      expect(t.llm_ttft_ms).toBe(t.llm_first_token_ms! - t.llm_request_ms!);
      expect(t.tts_ttfb_ms).toBe(t.tts_first_byte_ms! - t.first_chunk_to_tts_ms!);
      expect(t.voice_to_voice_ms).toBe(t.first_audio_sent_ms! - t.speech_end_ms!);
      expect(t.platform_overhead_ms).toBe(t.llm_request_ms! - t.stt_final_ms! + (t.first_audio_sent_ms! - t.tts_first_byte_ms!));
      expect(turn.voice_to_voice_ms).toBe(t.voice_to_voice_ms);
      expect(turn.platform_overhead_ms).toBe(t.platform_overhead_ms);
    }
  }, 90_000);
});
