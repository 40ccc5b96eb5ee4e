/**
 * The small interfaces the pipeline stages see. Production implementations talk to Deepgram and Bedrock over
 * their real wire protocols (base URLs are configuration); tests use the same implementations against the
 * local simulators. Provider errors carry `retryable` (4xx is final except 408/429).
 */
import type { Word } from "../pipeline/frames.ts";

export class ProviderError extends Error {
  override name = "ProviderError";
  /** The provider's own error name (`ThrottlingException`), for logs and metrics. */
  readonly code: string | undefined;
  /** How many attempts were made before giving up, where the provider counts them. */
  readonly attempts: number | undefined;
  constructor(
    readonly provider: "deepgram-stt" | "deepgram-tts" | "bedrock" | "tool",
    message: string,
    /** The failure is of a kind another attempt could fix (throttling, 5xx, a dropped socket). */
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown; code?: string; attempts?: number },
  ) {
    super(message, options);
    this.code = options?.code;
    this.attempts = options?.attempts;
  }
}

// ---- Speech to text (Deepgram live /v1/listen) ----

export interface SpeechToTextConfig {
  model: string;
  language: string;
  keyterms: string[];
  endpointingMs: number;
  utteranceEndMs: number;
  /** Correlates the stream with the call in Deepgram's responses and usage (`extra=call_sid:…`). */
  callSid: string | null;
  /** Deepgram's own redaction (shared/compliance/deepgram-redact.ts), when the agent opts in. */
  redact?: readonly string[];
}

export interface SpeechToTextListener {
  speechStarted(audioMs: number): void;
  /** Word times are already on the call's audio clock (reconnects and replays accounted for). */
  transcript(t: { text: string; words: Word[]; isFinal: boolean; speechFinal: boolean; fromFinalize: boolean }): void;
  utteranceEnd(lastWordEndAudioMs: number): void;
  /** The socket dropped and could not be reopened; the call should apologise and end. */
  failed(error: ProviderError): void;
  /**
   * Deepgram Flux (/v2/listen) only: the service's own turn detection, which replaces endpointing and utterance
   * ends. Flux's `Update` messages arrive as interim `transcript`s; its `StartOfTurn` also as `speechStarted`.
   */
  turnInfo?(t: FluxTurnInfo): void;
}

export type FluxTurnEvent = "StartOfTurn" | "EagerEndOfTurn" | "TurnResumed" | "EndOfTurn";

export interface FluxTurnInfo {
  event: FluxTurnEvent;
  turnIndex: number;
  /** The turn's transcript so far; on `EndOfTurn` it equals the `EagerEndOfTurn` one that came before it. */
  transcript: string;
  /** On the call's audio clock, like `transcript`'s words. */
  words: Word[];
  endOfTurnConfidence: number;
}

export interface SpeechToText {
  /** Opens the socket (idempotent); audio sent before it is open is buffered, not lost. */
  connect(): Promise<void>;
  /** Caller audio, μ-law 8 kHz, exactly as Twilio sent it. */
  sendAudio(mulaw: Uint8Array): void;
  /** Asks the service to flush what it has buffered (used before an early turn end). */
  finalize(): void;
  /** Tells the service the stream is alive even if no audio flows (sent while the agent speaks). */
  keepAlive(): void;
  close(): Promise<void>;
  readonly stats: { reconnects: number; audioMsSent: number; audioMsReplayed: number; keepAlives: number };
  /**
   * `flux`: the service detects turns itself (`listener.turnInfo`), and the pipeline takes its turns from them
   * instead of endpointing and utterance ends. Absent: Deepgram's live endpointing (/v1/listen).
   */
  readonly turnDetection?: "flux";
}

// ---- Text to speech (Deepgram Aura-2 /v1/speak WebSocket) ----

export interface TextToSpeechConfig {
  voice: string;
}

export interface TextToSpeechListener {
  /** μ-law 8 kHz audio for the chunk that was flushed with `id`. */
  audio(id: number, mulaw: Uint8Array): void;
  /** All audio for chunk `id` has been delivered. */
  done(id: number): void;
  failed(error: ProviderError): void;
  /**
   * Call-clock milliseconds (tests run calls faster than real time), on which the provider counts its rate limits;
   * the wall clock when absent.
   */
  callClockMs?(): number;
}

export interface TextToSpeech {
  connect(): Promise<void>;
  /** Synthesises `text` as its own flush; audio comes back tagged with `id`, chunks strictly in order. */
  speak(id: number, text: string): void;
  /** Drops all pending text and audio (barge-in); no audio for earlier ids is delivered after this returns. */
  clear(): void;
  close(): Promise<void>;
  readonly stats: { characters: number; reconnects: number };
}

// ---- Language model (Bedrock ConverseStream) ----

export type ContentBlock =
  | { text: string }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: ({ text: string } | { json: unknown })[]; status?: "success" | "error" } };

export interface ChatMessage {
  role: "user" | "assistant";
  content: ContentBlock[];
}

export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface LlmRequest {
  modelId: string;
  system: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  temperature: number;
  maxTokens: number;
  thinkingBudgetTokens?: number;
  /** Adds cache points after the system prompt and the tool list, where the model supports it. */
  promptCaching: boolean;
}

export type LlmEvent =
  | { type: "text"; text: string }
  | { type: "tool_use"; toolUseId: string; name: string; input: unknown }
  | { type: "stop"; reason: "end_turn" | "tool_use" | "max_tokens" | "stop_sequence" | "other" }
  | { type: "usage"; modelId: string; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };

export interface LanguageModel {
  /**
   * Streams one model turn. Throttling is retried with backoff and then the fallback model is tried;
   * an aborted signal ends the stream at once without an error.
   */
  stream(request: LlmRequest, signal: AbortSignal, fallbackModelId?: string): AsyncIterable<LlmEvent>;
}
