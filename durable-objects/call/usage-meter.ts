import type { Frame } from "../pipeline/frames.ts";

export interface CallUsage {
  caller_audio_seconds: number;
  agent_audio_seconds: number;
  stt_seconds: number;
  tts_characters: number;
  tool_calls: number;
  llm: Record<string, { input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number; requests: number }>;
}

/** Counts what a call consumed, per provider, for the usage event and the call record. */
export class UsageMeter {
  readonly #llm: CallUsage["llm"] = {};
  #toolCalls = 0;

  readonly observe = (frame: Frame): void => {
    if (frame.kind === "tool_call") this.#toolCalls++;
    if (frame.kind !== "llm_usage") return;
    const m = (this.#llm[frame.modelId] ??= { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, requests: 0 });
    m.input_tokens += frame.inputTokens;
    m.output_tokens += frame.outputTokens;
    m.cache_read_tokens += frame.cacheReadTokens;
    m.cache_write_tokens += frame.cacheWriteTokens;
    m.requests++;
  };

  snapshot(counts: { callerAudioMs: number; agentAudioMs: number; sttAudioMs: number; ttsCharacters: number }): CallUsage {
    const s = (ms: number) => Math.round(ms / 100) / 10;
    return {
      caller_audio_seconds: s(counts.callerAudioMs),
      agent_audio_seconds: s(counts.agentAudioMs),
      stt_seconds: s(counts.sttAudioMs),
      tts_characters: counts.ttsCharacters,
      tool_calls: this.#toolCalls,
      llm: structuredClone(this.#llm),
    };
  }
}
