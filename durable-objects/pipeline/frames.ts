/**
 * Everything that moves through a call is a typed frame. Data frames flow downstream through the stages
 * (audio in → transcript → reply text → audio out); system frames (`interrupt`, `end`) are broadcast to every
 * stage, so each drops what it holds for the turn being interrupted.
 */
import type { FluxTurnInfo } from "../providers/provider-types.ts";

export interface Word {
  word: string;
  /** Milliseconds on the call's audio clock (caller audio received since the stream started). */
  startMs: number;
  endMs: number;
}

export type Frame =
  // System frames.
  | { kind: "interrupt"; reason: "barge_in" | "new_turn" | "hangup"; atMs: number }
  | { kind: "end"; reason: string }
  // Caller side.
  | { kind: "caller_audio"; mulaw: Uint8Array }
  | { kind: "caller_dtmf"; digit: string }
  | { kind: "speech_started"; audioMs: number }
  | { kind: "transcript"; text: string; words: Word[]; isFinal: boolean; speechFinal: boolean }
  | { kind: "utterance_end"; lastWordEndMs: number }
  /** Deepgram Flux's turn detection (providers/provider-types.ts FluxTurnInfo). */
  | { kind: "turn_info"; info: FluxTurnInfo }
  | { kind: "user_turn"; turnId: number; text: string; speechEndedAudioMs: number; tentative: boolean }
  /** A tentative user_turn is withdrawn (Flux `TurnResumed`, or the caller's words moved on): its reply is never heard. */
  | { kind: "user_turn_cancelled"; turnId: number }
  /** `apology`: a provider failed for good; the call hangs up once it has been heard. */
  | { kind: "prompt"; turnId: number; text: string; reason: "greeting" | "disclosure" | "silence" | "closing" | "voicemail" | "apology" }
  // Agent side.
  | { kind: "reply_delta"; turnId: number; text: string }
  /** Speak what has been said so far now (before a tool runs), without waiting for a sentence end. */
  | { kind: "reply_flush"; turnId: number }
  | { kind: "reply_done"; turnId: number; after: AfterReply }
  | { kind: "speak"; turnId: number; chunkId: number; text: string }
  | { kind: "speak_done"; turnId: number }
  | { kind: "agent_audio"; turnId: number; chunkId: number; mulaw: Uint8Array }
  | { kind: "agent_audio_done"; turnId: number; chunkId: number }
  | { kind: "audio_mark"; name: string }
  | { kind: "play_dtmf"; turnId: number; chunkId: number; digits: string }
  /** Playback sent the first audio of a chunk: the caller starts hearing its words. */
  | { kind: "chunk_audible"; turnId: number; chunkId: number }
  | { kind: "playback_done"; turnId: number; after: AfterReply }
  // Observability: what the agent did between the caller's turn and its answer.
  | { kind: "tool_call"; turnId: number; toolUseId: string; name: string; input: unknown }
  | { kind: "tool_result"; turnId: number; toolUseId: string; name: string; status: "success" | "error"; content: string; durationMs: number }
  /**
   * `estimated`: the stream ended (aborted, or failed after output began) before Bedrock's final `metadata` event, so
   * the tokens are estimated from the request and the text received (see pipeline/usage-estimate.ts).
   */
  | { kind: "llm_usage"; turnId: number; modelId: string; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; estimated?: true }
  /**
   * A speculative (tentative) turn's model work: `started` with the turn, then `committed` when the final turn
   * confirmed it, or `cancelled` with the tokens it spent for nothing (its llm_usage frames, estimated or not).
   */
  | { kind: "speculation"; turnId: number; outcome: "started" | "committed" | "cancelled"; wastedInputTokens: number; wastedOutputTokens: number }
  | { kind: "dtmf_request"; turnId: number; digits: string };

/** What the call does once a reply has been heard in full. */
export type AfterReply = { action: "listen" } | { action: "hang_up"; reason: string } | { action: "transfer"; to: string; mode?: "cold" | "warm" };

export type FrameKind = Frame["kind"];
export type FrameOf<K extends FrameKind> = Extract<Frame, { kind: K }>;

export const isSystemFrame = (f: Frame): f is FrameOf<"interrupt" | "end"> => f.kind === "interrupt" || f.kind === "end";
