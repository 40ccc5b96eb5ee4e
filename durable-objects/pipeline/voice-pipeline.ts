import type { LanguageModel, SpeechToText, SpeechToTextListener, TextToSpeech, TextToSpeechListener, ToolSpec, LlmRequest, ProviderError } from "../providers/provider-types.ts";
import { AudioClock } from "./audio-clock.ts";
import { BargeInDuck } from "./barge-in-duck.ts";
import type { InterruptionSensitivity } from "./barge-in-policy.ts";
import { ChatHistory } from "./chat-history.ts";
import type { Frame, FrameOf } from "./frames.ts";
import { Pipeline, type FrameObserver } from "./pipeline.ts";
import { PromptGuard, UNINTERRUPTIBLE } from "./prompt-guard.ts";
import { logProviderFailure } from "./provider-failure-log.ts";
import { SpeechLedger } from "./speech-ledger.ts";
import { ConversationStage, type ToolCall, type ToolOutcome } from "./stages/conversation.ts";
import { PlaybackStage, type AudioSink } from "./stages/playback.ts";
import { SentenceChunkerStage } from "./stages/sentence-chunker.ts";
import { SpeechToTextStage } from "./stages/speech-to-text.ts";
import { TextToSpeechStage } from "./stages/text-to-speech.ts";
import { TurnDetectorStage } from "./stages/turn-detector.ts";
import { TurnMetrics } from "./turn-metrics.ts";

/**
 * What was said and measured is kept for this many turns after newer ones began: long enough for every reader (an
 * interrupt rewriting the last reply, the transcript closing a row), and no longer, however long the call.
 */
export const RETAINED_TURNS = 8;

export interface VoicePipelineOptions {
  /** The call the pipeline serves, for its log lines. */
  callId: string;
  openSpeechToText: (listener: SpeechToTextListener) => SpeechToText;
  openTextToSpeech: (listener: TextToSpeechListener) => TextToSpeech;
  llm: LanguageModel;
  request: Omit<LlmRequest, "messages" | "tools"> & { fallbackModelId?: string };
  tools: ToolSpec[];
  runTools: (calls: ToolCall[], signal: AbortSignal) => Promise<ToolOutcome[]>;
  sink: AudioSink;
  sensitivity: InterruptionSensitivity;
  earlyStart: boolean;
  /** Pause the agent on the caller's first sound, before any word is known (barge-in-duck.ts); off unless asked for. */
  duckOnSpeechStart?: boolean;
  closingMessage: string;
  history?: ChatHistory;
  /** Turn ids continue after a resumed call's stored turns. */
  firstTurnId?: number;
  now: () => number;
  /** Call-clock speed (tests and benchmarks run calls faster than real time). */
  speed?: number;
  /** Agent audio per Twilio media message (PlaybackStage's `messageMs`). */
  mediaMessageMs?: number;
  onError: (error: unknown, stage: string, frame: Frame) => void;
  /**
   * A provider failed for good: speech-to-text or text-to-speech that could not be reopened within its retry
   * budget, or a model that failed in a way no retry fixes or on too many turns in a row. Everything else still
   * works (`say(…, "apology")` is heard unless text-to-speech is the one that failed); the call should end.
   */
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
  readonly duck: BargeInDuck | undefined;
  readonly #pipeline: Pipeline;
  #turnId: number;
  #chunkId = 0;

  constructor(private readonly opts: VoicePipelineOptions) {
    this.#turnId = opts.firstTurnId ?? 0;
    const nextTurnId = () => this.#turnId++;
    this.playback = new PlaybackStage({ sink: opts.sink, ledger: this.ledger, metrics: this.metrics, callNow: opts.now, speed: opts.speed, messageMs: opts.mediaMessageMs });
    const agentSpeaking = () => this.playback.isSpeaking();
    const socketFailed = (error: ProviderError) => {
      logProviderFailure(opts.callId, error, true);
      opts.onProviderFailure(error);
    };
    this.stt = new SpeechToTextStage(opts.openSpeechToText, { agentSpeaking, speed: opts.speed, onFailure: socketFailed });
    this.conversation = new ConversationStage({
      callId: opts.callId,
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
      onProviderFailure: opts.onProviderFailure,
    });
    this.tts = new TextToSpeechStage(opts.openTextToSpeech, { metrics: this.metrics, ledger: this.ledger, onFailure: socketFailed, speed: opts.speed });
    const duck = opts.duckOnSpeechStart
      ? new BargeInDuck({ sensitivity: opts.sensitivity, now: opts.now, agentSpeaking, lineProtected: () => this.guard.active, speed: opts.speed })
      : undefined;
    this.duck = duck;
    this.#pipeline = new Pipeline(
      [
        this.stt,
        new TurnDetectorStage({
          sensitivity: opts.sensitivity,
          earlyStart: opts.earlyStart,
          fluxTurns: () => this.stt.turnDetection === "flux",
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
        duck ? duck.paced(this.playback) : this.playback,
      ],
      { now: opts.now, onError: opts.onError },
    );
    this.#pipeline.observe((frame) => {
      duck?.observe(frame);
      if (frame.kind === "playback_done") this.guard.heard(frame.turnId, frame.after.action === "listen");
      else if (frame.kind === "interrupt" || frame.kind === "end") this.guard.reset();
      // A turn is closed once heard or cut off: older turns are no longer read by anyone.
      if (frame.kind === "playback_done" || frame.kind === "interrupt") this.#forgetOldTurns();
    });
  }

  /** Returns what stops the observer: one that waits for a single event removes itself once it has seen it. */
  observe(observer: FrameObserver): () => void {
    return this.#pipeline.observe(observer);
  }

  /** Sizes of what the call keeps per turn, chunk or waiter: each stays bounded however long the call. */
  footprint(): { ledgerChunks: number; turnMetrics: number; historyMessages: number; observers: number; playbackBacklog: number } {
    return {
      ledgerChunks: this.ledger.size,
      turnMetrics: this.metrics.size,
      historyMessages: this.conversation.history.messages.length,
      observers: this.#pipeline.observerCount,
      playbackBacklog: this.playback.backlog,
    };
  }

  #forgetOldTurns(): void {
    const through = this.#turnId - 1 - RETAINED_TURNS;
    if (through < 0) return;
    this.ledger.forget(through);
    this.metrics.forget(through);
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
