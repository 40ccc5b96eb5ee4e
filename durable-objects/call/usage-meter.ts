import type { Frame } from "../pipeline/frames.ts";

export interface ModelUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  requests: number;
  /** Requests whose usage was estimated (the stream ended before Bedrock reported it): their tokens are in the sums above. */
  estimated_requests: number;
}

/** Speculative model turns (early start, Flux's eager end of turn), and the tokens spent on those cancelled. */
export interface SpeculationUsage {
  started: number;
  committed: number;
  cancelled: number;
  /** Prompt tokens of cancelled speculations (cache reads and writes included); also counted in `llm`. */
  wasted_input_tokens: number;
  wasted_output_tokens: number;
}

export interface CallUsage {
  caller_audio_seconds: number;
  agent_audio_seconds: number;
  stt_seconds: number;
  tts_characters: number;
  tool_calls: number;
  llm: Record<string, ModelUsage>;
  speculation: SpeculationUsage;
}

const emptyModelUsage = (): ModelUsage => ({ input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, requests: 0, estimated_requests: 0 });
const emptySpeculation = (): SpeculationUsage => ({ started: 0, committed: 0, cancelled: 0, wasted_input_tokens: 0, wasted_output_tokens: 0 });

/** Counts what a call consumed, per provider, for the usage event and the call record. */
export class UsageMeter {
  readonly #llm: CallUsage["llm"] = {};
  readonly #speculation = emptySpeculation();
  #toolCalls = 0;

  readonly observe = (frame: Frame): void => {
    if (frame.kind === "tool_call") this.#toolCalls++;
    else if (frame.kind === "speculation") {
      this.#speculation[frame.outcome]++;
      this.#speculation.wasted_input_tokens += frame.wastedInputTokens;
      this.#speculation.wasted_output_tokens += frame.wastedOutputTokens;
    }
    if (frame.kind !== "llm_usage") return;
    const m = (this.#llm[frame.modelId] ??= emptyModelUsage());
    m.input_tokens += frame.inputTokens;
    m.output_tokens += frame.outputTokens;
    m.cache_read_tokens += frame.cacheReadTokens;
    m.cache_write_tokens += frame.cacheWriteTokens;
    m.requests++;
    if (frame.estimated) m.estimated_requests++;
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
      speculation: { ...this.#speculation },
    };
  }
}

/** Adds counters key by key; a key missing on either side (usage stored before it existed) counts as 0. */
function addCounts<T extends object>(a: Partial<T> | undefined, b: T): T {
  const sum = { ...b } as Record<string, number>;
  for (const [key, value] of Object.entries(a ?? {})) sum[key] = (sum[key] ?? 0) + (value as number);
  return sum as T;
}
/** Speech outside the conversation (a warm transfer's briefing to its target): characters only, added to the call's usage. */
export const speechOnlyUsage = (ttsCharacters: number): CallUsage => ({ caller_audio_seconds: 0, agent_audio_seconds: 0, stt_seconds: 0, tts_characters: ttsCharacters, tool_calls: 0, llm: {}, speculation: emptySpeculation() });

/** A call's usage over several runtimes (a recovered stream starts a new one): the sum of each. */
export function addUsage(a: CallUsage | undefined, b: CallUsage): CallUsage {
  if (!a) return b;
  const tenth = (x: number) => Math.round(x * 10) / 10;
  const llm: CallUsage["llm"] = {};
  for (const model of new Set([...Object.keys(a.llm), ...Object.keys(b.llm)])) llm[model] = addCounts(a.llm[model], b.llm[model] ?? emptyModelUsage());
  return {
    caller_audio_seconds: tenth(a.caller_audio_seconds + b.caller_audio_seconds),
    agent_audio_seconds: tenth(a.agent_audio_seconds + b.agent_audio_seconds),
    stt_seconds: tenth(a.stt_seconds + b.stt_seconds),
    tts_characters: a.tts_characters + b.tts_characters,
    tool_calls: a.tool_calls + b.tool_calls,
    llm,
    speculation: addCounts(a.speculation, b.speculation),
  };
}
