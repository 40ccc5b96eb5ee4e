/** A VoicePipeline wired to scripted fake providers and a recording sink, for the pipeline's unit tests. */
import { expect, vi } from "vitest";
import type { Frame } from "../frames.ts";
import type { ToolCall, ToolOutcome } from "../stages/conversation.ts";
import { VoicePipeline } from "../voice-pipeline.ts";
import { FakeLanguageModel, FakeSpeechToText, FakeTextToSpeech, RecordingSink, type ScriptedReply } from "./fake-providers.ts";

export interface HarnessOptions {
  runTools?: (calls: ToolCall[], signal: AbortSignal) => Promise<ToolOutcome[]>;
  llmDelayMs?: number;
  earlyStart?: boolean;
  sensitivity?: "low" | "medium" | "high";
  speed?: number;
  tts?: ConstructorParameters<typeof FakeTextToSpeech>[0];
}

/** The pipeline under test, its fakes, and every frame it emitted. */
export function harness(replies: ScriptedReply[], opts: HarnessOptions = {}) {
  const stt = new FakeSpeechToText();
  const tts = new FakeTextToSpeech(opts.tts);
  const llm = new FakeLanguageModel(replies, opts.llmDelayMs ?? 1);
  const sink = new RecordingSink();
  const frames: Frame[] = [];
  const errors: unknown[] = [];
  const pipeline = new VoicePipeline({
    callId: "CALL-test",
    openSpeechToText: (l) => ((stt.listener = l), stt),
    openTextToSpeech: (l) => ((tts.listener = l), tts),
    llm,
    request: { modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0", system: "Be brief.", temperature: 0.5, maxTokens: 200, promptCaching: false },
    tools: [],
    runTools: opts.runTools ?? (async (calls) => calls.map(() => ({ status: "success", content: "{}" }))),
    sink,
    sensitivity: opts.sensitivity ?? "medium",
    earlyStart: opts.earlyStart ?? false,
    closingMessage: "Goodbye!",
    now: () => Date.now(),
    speed: opts.speed ?? 40,
    onError: (e) => errors.push(e),
    onProviderFailure: (e) => errors.push(e),
  });
  pipeline.observe((f) => frames.push(f));
  // Twilio plays audio and echoes each mark as it reaches it.
  const echoMarks = () => {
    for (const name of sink.marks.splice(0)) pipeline.markPlayed(name);
  };
  const kinds = (kind: Frame["kind"]) => frames.filter((f) => f.kind === kind);
  return { pipeline, stt, tts, llm, sink, frames, errors, echoMarks, kinds };
}

/** Resolves once turn `turnId` has played to its end, echoing each mark as Twilio does. */
export const played = (h: ReturnType<typeof harness>, turnId: number) =>
  vi.waitFor(
    () => {
      h.echoMarks();
      expect(h.kinds("playback_done").some((f) => f.kind === "playback_done" && f.turnId === turnId)).toBe(true);
    },
    { timeout: 3000, interval: 5 },
  );
