import { z } from "zod";
import type { FluxModel, FluxThresholds } from "./flux-params.ts";
import type { TimedWord } from "./segment-transcript.ts";

/**
 * Client → server text messages on `/v2/listen` (the v2 listen API reference, `@deepgram/sdk` v5 `listen.v2`):
 * `CloseStream`, `Configure`, `ForceEndTurn`. Anything else (KeepAlive and Finalize are Nova-only) is unparsable.
 */
const threshold = z.number();
export const fluxControlMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("CloseStream") }),
  z.object({ type: z.literal("ForceEndTurn") }),
  z.object({
    type: z.literal("Configure"),
    thresholds: z.object({ eot_threshold: threshold.optional(), eager_eot_threshold: threshold.optional(), eot_timeout_ms: threshold.optional() }).optional(),
    keyterms: z.union([z.string(), z.array(z.string())]).optional(),
    language_hints: z.array(z.string()).optional(),
    numerals: z.boolean().optional(),
  }),
]);
export type FluxControlMessage = z.infer<typeof fluxControlMessage>;

export type FluxEventName = "Update" | "StartOfTurn" | "EagerEndOfTurn" | "TurnResumed" | "EndOfTurn";

/** One TurnInfo, in audio-time milliseconds; the session stamps request and sequence ids when it goes out. */
export interface FluxTurnEvent {
  event: FluxEventName;
  turnIndex: number;
  windowStartMs: number;
  windowEndMs: number;
  words: TimedWord[];
  endOfTurnConfidence: number;
  /** On EndOfTurn only: what ended the turn. */
  trigger?: "model" | "manual" | "timeout";
}

const seconds = (ms: number): number => Math.round(ms) / 1000;
const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

export interface Stamp {
  requestId: string;
  sequenceId: number;
}

export const connectedMessage = (s: Stamp): Record<string, unknown> => ({ type: "Connected", request_id: s.requestId, sequence_id: s.sequenceId });

export function turnInfoMessage(e: FluxTurnEvent, s: Stamp, model: FluxModel, languageHints: readonly string[]): Record<string, unknown> {
  return {
    type: "TurnInfo",
    request_id: s.requestId,
    sequence_id: s.sequenceId,
    event: e.event,
    turn_index: e.turnIndex,
    audio_window_start: seconds(e.windowStartMs),
    audio_window_end: seconds(e.windowEndMs),
    // Flux's words are punctuated and cased ("The individual punctuated, properly-cased word").
    transcript: e.words.map((w) => w.punctuated).join(" "),
    words: e.words.map((w) => ({ word: w.punctuated, confidence: w.confidence, start: seconds(w.startMs), end: seconds(w.endMs) })),
    end_of_turn_confidence: round4(e.endOfTurnConfidence),
    ...(e.trigger ? { trigger: e.trigger } : {}),
    // flux-general-multi: detected languages (the scripted callers speak English) and the hints in force.
    ...(model === "flux-general-multi" && e.words.length > 0 ? { languages: ["en"] } : {}),
    ...(languageHints.length > 0 ? { languages_hinted: [...languageHints] } : {}),
  };
}

export function configureSuccessMessage(s: Stamp, t: FluxThresholds, keyterms: readonly string[], languageHints: readonly string[]): Record<string, unknown> {
  return {
    type: "ConfigureSuccess",
    request_id: s.requestId,
    sequence_id: s.sequenceId,
    thresholds: { eot_threshold: t.eotThreshold, eot_timeout_ms: t.eotTimeoutMs, ...(t.eagerEotThreshold !== undefined ? { eager_eot_threshold: t.eagerEotThreshold } : {}) },
    keyterms: [...keyterms],
    ...(languageHints.length > 0 ? { language_hints: [...languageHints] } : {}),
  };
}

export const configureFailureMessage = (s: Stamp): Record<string, unknown> => ({ type: "ConfigureFailure", request_id: s.requestId, sequence_id: s.sequenceId });

/** The fatal error; the server closes the socket after it. */
export const fluxErrorMessage = (s: Stamp, code: string, description: string): Record<string, unknown> => ({ type: "Error", sequence_id: s.sequenceId, code, description });
