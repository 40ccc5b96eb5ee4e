/**
 * Server → client JSON messages of Deepgram Flux (`/v2/listen`), per its v2 listen API reference (`@deepgram/sdk`
 * v5 `listen.v2`): Connected, TurnInfo, ConfigureSuccess, ConfigureFailure, Error. Loose objects, as for
 * `/v1/listen`: a field Deepgram adds must not make a known message unreadable.
 */
import { z } from "zod";

const fluxWord = z.looseObject({
  word: z.string(),
  confidence: z.number(),
  /** Seconds from the socket's first audio; optional in the reference, sent by the service (word-level timestamps). */
  start: z.number().optional(),
  end: z.number().optional(),
});

export const fluxTurnInfo = z.looseObject({
  type: z.literal("TurnInfo"),
  sequence_id: z.number(),
  event: z.enum(["Update", "StartOfTurn", "EagerEndOfTurn", "TurnResumed", "EndOfTurn"]),
  turn_index: z.number(),
  audio_window_start: z.number(),
  audio_window_end: z.number(),
  transcript: z.string(),
  words: z.array(fluxWord),
  end_of_turn_confidence: z.number(),
  /** On EndOfTurn: model, manual (ForceEndTurn) or timeout; an open enum. */
  trigger: z.string().optional(),
});
export type FluxTurnInfoMessage = z.infer<typeof fluxTurnInfo>;

export const fluxServerMessage = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("Connected"), request_id: z.string(), sequence_id: z.number() }),
  fluxTurnInfo,
  z.looseObject({ type: z.literal("ConfigureSuccess"), sequence_id: z.number() }),
  z.looseObject({ type: z.literal("ConfigureFailure"), sequence_id: z.number() }),
  // Fatal: the server closes the socket after it.
  z.looseObject({ type: z.literal("Error"), code: z.string(), description: z.string() }),
]);

export const FLUX_MESSAGE_TYPES = ["Connected", "TurnInfo", "ConfigureSuccess", "ConfigureFailure", "Error"] as const;
