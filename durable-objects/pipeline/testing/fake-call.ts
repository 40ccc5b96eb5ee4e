import { vi } from "vitest";
import type { LanguageModel, ProviderError, ToolSpec } from "../../providers/provider-types.ts";
import type { ChatHistory } from "../chat-history.ts";
import type { Frame } from "../frames.ts";
import { VoicePipeline } from "../voice-pipeline.ts";
import { FakeLanguageModel, FakeSpeechToText, FakeTextToSpeech, RecordingSink, type ScriptedReply } from "./fake-providers.ts";

export const CALL_ID = "CALL-fake";

export interface FakeCallOptions {
  replies?: ScriptedReply[];
  llm?: LanguageModel;
  /** A Flux STT (FakeFluxSpeechToText) makes the pipeline take its turns from Flux's turn events. */
  stt?: FakeSpeechToText;
  earlyStart?: boolean;
  modelId?: string;
  maxTokens?: number;
  system?: string;
  tools?: ToolSpec[];
  history?: ChatHistory;
  /** How far the clock moves between Twilio's mark echoes (coarser runs long calls faster). */
  stepMs?: number;
  /** μ-law bytes of speech per character (8 = 1 ms a character); fewer means fewer playback timers. */
  ttsBytesPerChar?: number;
}

/**
 * A whole pipeline on fake providers and vitest's fake clock (the test calls `vi.useFakeTimers()`): the pipeline's
 * `now` and every timer in it follow the fake clock, so a call of any length runs without waiting and without
 * depending on the machine's speed. Twilio is played by echoing every mark as the clock moves.
 */
export function fakeCall(opts: FakeCallOptions = {}) {
  const stt = opts.stt ?? new FakeSpeechToText();
  const tts = new FakeTextToSpeech({ bytesPerChar: opts.ttsBytesPerChar ?? 8 });
  const llm = opts.llm ?? new FakeLanguageModel(opts.replies ?? []);
  const sink = new RecordingSink();
  const failures: ProviderError[] = [];
  const stageErrors: unknown[] = [];
  const heard: Extract<Frame, { kind: "playback_done" }>[] = [];
  let lastUserTurn = -1;
  let ends = 0;
  const pipeline = new VoicePipeline({
    callId: CALL_ID,
    openSpeechToText: (l) => ((stt.listener = l), stt),
    openTextToSpeech: (l) => ((tts.listener = l), tts),
    llm,
    request: { modelId: opts.modelId ?? "us.anthropic.claude-haiku-4-5-20251001-v1:0", system: opts.system ?? "Be brief.", temperature: 0.5, maxTokens: opts.maxTokens ?? 200, promptCaching: false },
    tools: opts.tools ?? [],
    runTools: async (calls) => calls.map(() => ({ status: "success" as const, content: "{}" })),
    sink,
    sensitivity: "medium",
    earlyStart: opts.earlyStart ?? false,
    closingMessage: "Goodbye!",
    history: opts.history,
    now: () => Date.now(),
    onError: (error) => stageErrors.push(error),
    onProviderFailure: (error) => failures.push(error),
  });
  pipeline.observe((frame) => {
    if (frame.kind === "playback_done") heard.push(frame);
    else if (frame.kind === "user_turn" && !frame.tentative) lastUserTurn = frame.turnId;
    else if (frame.kind === "end") ends++;
  });

  const stepMs = opts.stepMs ?? 20;
  /** Moves the clock a step at a time, Twilio echoing marks, until `done()` holds (or fails after `limitMs`). */
  async function until(done: () => boolean, limitMs = 30_000): Promise<void> {
    for (let waited = 0; !done(); waited += stepMs) {
      if (waited > limitMs) throw new Error(`not done after ${limitMs} ms of call clock`);
      // Timers of a step run back to back; then promises settle (the model's stream, the stages' awaits).
      vi.advanceTimersByTime(stepMs);
      await vi.advanceTimersByTimeAsync(0);
      for (const name of sink.marks.splice(0)) pipeline.markPlayed(name);
    }
  }

  const wasHeard = (turnId: number) => heard.some((f) => f.turnId === turnId);

  /** `ms` of caller audio (silence on the line) arrives, as Twilio would send it. */
  async function lineAudio(ms: number): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
    pipeline.callerAudio(new Uint8Array(ms * 8).fill(0xff));
  }

  /** The caller says `text`; resolves with the turn's id once the agent's answer has been heard in full. */
  async function ask(text: string): Promise<number> {
    await lineAudio(1_000);
    stt.say(text, pipeline.clock.audioMs);
    const turnId = lastUserTurn;
    await until(() => wasHeard(turnId));
    return turnId;
  }

  /** Says a fixed line and resolves once it has been heard. */
  async function say(text: string, reason: Parameters<VoicePipeline["say"]>[1]): Promise<Extract<Frame, { kind: "playback_done" }>> {
    const turnId = pipeline.say(text, reason);
    await until(() => wasHeard(turnId));
    return heard.find((f) => f.turnId === turnId)!;
  }

  return { pipeline, stt, tts, llm, sink, failures, stageErrors, heard, until, ask, say, lineAudio, ends: () => ends };
}

/** The JSON lines a console spy received. */
export function jsonLines(spy: { mock: { calls: unknown[][] } }): Record<string, unknown>[] {
  return spy.mock.calls.flatMap((args) => {
    try {
      const parsed: unknown = JSON.parse(String(args[0]));
      return typeof parsed === "object" && parsed !== null ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}
