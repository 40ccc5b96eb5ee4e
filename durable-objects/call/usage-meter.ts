import type { Frame } from "../pipeline/frames.ts";

export interface CallUsage {
  caller_audio_seconds: number;
  agent_audio_seconds: number;
  stt_seconds: number;
  tts_characters: number;
  tool_calls: number;
  llm: Record<string, { input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number; requests: number }>;
}

const emptyModelUsage = (): CallUsage["llm"][string] => ({ input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, requests: 0 });

/** Counts what a call consumed, per provider, for the usage event and the call record. */
export class UsageMeter {
  readonly #llm: CallUsage["llm"] = {};
  #toolCalls = 0;

  readonly observe = (frame: Frame): void => {
    if (frame.kind === "tool_call") this.#toolCalls++;
    if (frame.kind !== "llm_usage") return;
    const m = (this.#llm[frame.modelId] ??= emptyModelUsage());
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

/** Speech outside the conversation (a warm transfer's briefing to its target): characters only, added to the call's usage. */
export const speechOnlyUsage = (ttsCharacters: number): CallUsage => ({ caller_audio_seconds: 0, agent_audio_seconds: 0, stt_seconds: 0, tts_characters: ttsCharacters, tool_calls: 0, llm: {} });

/** A call's usage over several runtimes (a recovered stream starts a new one): the sum of each. */
export function addUsage(a: CallUsage | undefined, b: CallUsage): CallUsage {
  if (!a) return b;
  const tenth = (x: number) => Math.round(x * 10) / 10;
  const llm = structuredClone(a.llm);
  for (const [model, m] of Object.entries(b.llm)) {
    const sum = (llm[model] ??= emptyModelUsage());
    for (const key of Object.keys(m) as (keyof typeof m)[]) sum[key] += m[key];
  }
  return {
    caller_audio_seconds: tenth(a.caller_audio_seconds + b.caller_audio_seconds),
    agent_audio_seconds: tenth(a.agent_audio_seconds + b.agent_audio_seconds),
    stt_seconds: tenth(a.stt_seconds + b.stt_seconds),
    tts_characters: a.tts_characters + b.tts_characters,
    tool_calls: a.tool_calls + b.tool_calls,
    llm,
  };
}
