import type { LanguageModel, SpeechToText, SpeechToTextListener, TextToSpeech, TextToSpeechListener, ToolSpec, LlmRequest, ProviderError } from "../providers/provider-types.ts";
import { AudioClock } from "./audio-clock.ts";
import type { InterruptionSensitivity } from "./barge-in-policy.ts";
import { ChatHistory } from "./chat-history.ts";
import type { Frame, FrameOf } from "./frames.ts";
import { Pipeline, type FrameObserver } from "./pipeline.ts";
import { PromptGuard, UNINTERRUPTIBLE } from "./prompt-guard.ts";
import { SpeechLedger } from "./speech-ledger.ts";
import { ConversationStage, type ToolCall, type ToolOutcome } from "./stages/conversation.ts";
import { PlaybackStage, type AudioSink } from "./stages/playback.ts";
import { SentenceChunkerStage } from "./stages/sentence-chunker.ts";
import { SpeechToTextStage } from "./stages/speech-to-text.ts";
import { TextToSpeechStage } from "./stages/text-to-speech.ts";
import { TurnDetectorStage } from "./stages/turn-detector.ts";
import { TurnMetrics } from "./turn-metrics.ts";

export interface VoicePipelineOptions {
  openSpeechToText: (listener: SpeechToTextListener) => SpeechToText;
  openTextToSpeech: (listener: TextToSpeechListener) => TextToSpeech;
  llm: LanguageModel;
  request: Omit<LlmRequest, "messages" | "tools"> & { fallbackModelId?: string };
  tools: ToolSpec[];
  runTools: (calls: ToolCall[], signal: AbortSignal) => Promise<ToolOutcome[]>;
  sink: AudioSink;
  sensitivity: InterruptionSensitivity;
  earlyStart: boolean;
  closingMessage: string;
  history?: ChatHistory;
  /** Turn ids continue after a resumed call's stored turns. */
  firstTurnId?: number;
  now: () => number;
  /** Call-clock speed (tests and benchmarks run calls faster than real time). */
  speed?: number;
  onError: (error: unknown, stage: string, frame: Frame) => void;
  onProviderFailure: (error: ProviderError) => void;
}

/**
 * The per-call chain: caller audio → speech-to-text → turn detection → conversation (model + tools) →
 * sentence chunker → text-to-speech → paced playback to Twilio. The call's Durable Object feeds it Twilio's
 * messages and observes its frames; it holds no reference to the object or its env.
 */
export class VoicePipeline {
  readonly clock = new AudioClock();
  readonly metrics = new TurnMetrics();
  readonly ledger = new SpeechLedger();
  readonly guard = new PromptGuard();
  readonly playback: PlaybackStage;
  readonly conversation: ConversationStage;
  readonly stt: SpeechToTextStage;
  readonly tts: TextToSpeechStage;
  readonly #pipeline: Pipeline;
  #turnId: number;
  #chunkId = 0;

  constructor(private readonly opts: VoicePipelineOptions) {
    this.#turnId = opts.firstTurnId ?? 0;
    const nextTurnId = () => this.#turnId++;
    this.playback = new PlaybackStage({ sink: opts.sink, ledger: this.ledger, metrics: this.metrics, speed: opts.speed });
    const agentSpeaking = () => this.playback.isSpeaking();
    this.stt = new SpeechToTextStage(opts.openSpeechToText, { agentSpeaking, speed: opts.speed });
    this.conversation = new ConversationStage({
      llm: opts.llm,
      request: opts.request,
      tools: opts.tools,
      runTools: opts.runTools,
      ledger: this.ledger,
      metrics: this.metrics,
      agentSpeaking,
      guard: this.guard,
      history: opts.history,
      closingMessage: opts.closingMessage,
    });
    this.tts = new TextToSpeechStage(opts.openTextToSpeech, { metrics: this.metrics, ledger: this.ledger, onFailure: opts.onProviderFailure, speed: opts.speed });
    this.#pipeline = new Pipeline(
      [
        this.stt,
        new TurnDetectorStage({
          sensitivity: opts.sensitivity,
          earlyStart: opts.earlyStart,
          agentSpeaking,
          replyPending: () => this.conversation.inFlight() || this.tts.hasPending(),
          guard: this.guard,
          nextTurnId,
          clock: this.clock,
          metrics: this.metrics,
        }),
        this.conversation,
        new SentenceChunkerStage({ nextChunkId: () => this.#chunkId++ }),
        this.tts,
        this.playback,
      ],
      { now: opts.now, onError: opts.onError },
    );
    this.#pipeline.observe((frame) => {
      if (frame.kind === "playback_done") this.guard.heard(frame.turnId, frame.after.action === "listen");
      else if (frame.kind === "interrupt" || frame.kind === "end") this.guard.reset();
    });
  }

  observe(observer: FrameObserver): void {
    this.#pipeline.observe(observer);
  }

  callerAudio(mulaw: Uint8Array): void {
    this.clock.advance(mulaw.length, this.opts.now());
    this.#pipeline.push({ kind: "caller_audio", mulaw });
  }

  callerDtmf(digit: string): void {
    this.#pipeline.push({ kind: "caller_dtmf", digit });
  }

  /** Twilio echoed a mark: the audio before it has been played. */
  markPlayed(name: string): void {
    this.#pipeline.pushTo("playback", { kind: "audio_mark", name });
  }

  /** Speaks a fixed line (greeting, reprompt, closing) as its own turn; closing and disclosure are heard to the end. */
  say(text: string, reason: FrameOf<"prompt">["reason"]): number {
    const turnId = this.#turnId++;
    this.#pipeline.pushTo("conversation", { kind: "prompt", turnId, text, reason });
    if (UNINTERRUPTIBLE.has(reason)) this.guard.protect(turnId);
    return turnId;
  }

  interrupt(reason: FrameOf<"interrupt">["reason"]): void {
    this.#pipeline.broadcast({ kind: "interrupt", reason, atMs: this.opts.now() });
  }

  isAgentSpeaking(): boolean {
    return this.playback.isSpeaking();
  }

  async close(reason: string): Promise<void> {
    this.#pipeline.broadcast({ kind: "end", reason });
    await this.#pipeline.close();
  }
}
