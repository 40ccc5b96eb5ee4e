import { describe, expect, it } from "vitest";
import type { Frame } from "../pipeline/frames.ts";
import { addUsage, UsageMeter, type CallUsage } from "./usage-meter.ts";

const HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const NO_AUDIO = { callerAudioMs: 0, agentAudioMs: 0, sttAudioMs: 0, ttsCharacters: 0 };
const usage = (turnId: number, inputTokens: number, outputTokens: number, estimated?: true): Frame => ({
  kind: "llm_usage",
  turnId,
  modelId: HAIKU,
  inputTokens,
  outputTokens,
  cacheReadTokens: 10,
  cacheWriteTokens: 0,
  ...(estimated ? { estimated } : {}),
});
const speculation = (turnId: number, outcome: "started" | "committed" | "cancelled", wastedInputTokens = 0, wastedOutputTokens = 0): Frame => ({
  kind: "speculation",
  turnId,
  outcome,
  wastedInputTokens,
  wastedOutputTokens,
});

describe("UsageMeter", () => {
  it("counts estimated requests within the model's sums, and speculations with their wasted tokens", () => {
    const meter = new UsageMeter();
    for (const frame of [
      speculation(1, "started"),
      usage(1, 300, 4, true),
      speculation(1, "cancelled", 310, 4),
      speculation(2, "started"),
      usage(2, 320, 12),
      speculation(2, "committed"),
    ]) {
      meter.observe(frame);
    }
    const snapshot = meter.snapshot(NO_AUDIO);
    expect(snapshot.llm[HAIKU]).toEqual({ input_tokens: 620, output_tokens: 16, cache_read_tokens: 20, cache_write_tokens: 0, requests: 2, estimated_requests: 1 });
    expect(snapshot.speculation).toEqual({ started: 2, committed: 1, cancelled: 1, wasted_input_tokens: 310, wasted_output_tokens: 4 });
  });

  it("adds a runtime's usage to one stored before these counters existed, without NaN", () => {
    const stored = {
      caller_audio_seconds: 1.5,
      agent_audio_seconds: 2,
      stt_seconds: 1.5,
      tts_characters: 40,
      tool_calls: 1,
      llm: { [HAIKU]: { input_tokens: 100, output_tokens: 5, cache_read_tokens: 0, cache_write_tokens: 0, requests: 1 } },
    } as unknown as CallUsage;
    const meter = new UsageMeter();
    meter.observe(speculation(3, "started"));
    meter.observe(usage(3, 200, 0, true));
    meter.observe(speculation(3, "cancelled", 210, 0));
    const sum = addUsage(stored, meter.snapshot(NO_AUDIO));
    expect(sum.llm[HAIKU]).toEqual({ input_tokens: 300, output_tokens: 5, cache_read_tokens: 10, cache_write_tokens: 0, requests: 2, estimated_requests: 1 });
    expect(sum.speculation).toEqual({ started: 1, committed: 0, cancelled: 1, wasted_input_tokens: 210, wasted_output_tokens: 0 });
    expect(addUsage(sum, sum).speculation.wasted_input_tokens).toBe(420);
  });
});
