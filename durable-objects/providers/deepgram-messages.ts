/**
 * Server → client JSON messages of Deepgram's live STT (`/v1/listen`) and Aura-2 speak (`/v1/speak`) sockets,
 * validated on every receipt. Objects are loose: Deepgram adds fields over time, and a new field must not make a
 * known message unreadable.
 */
import { z } from "zod";

const listenWord = z.looseObject({
  word: z.string(),
  start: z.number(),
  end: z.number(),
  confidence: z.number().optional(),
  punctuated_word: z.string().optional(),
});

export const listenResults = z.looseObject({
  type: z.literal("Results"),
  start: z.number(),
  duration: z.number(),
  is_final: z.boolean(),
  speech_final: z.boolean().default(false),
  from_finalize: z.boolean().default(false),
  channel: z.looseObject({
    alternatives: z.array(z.looseObject({ transcript: z.string(), words: z.array(listenWord).default([]) })),
  }),
});
export type ListenResults = z.infer<typeof listenResults>;

export const listenServerMessage = z.discriminatedUnion("type", [
  listenResults,
  z.looseObject({ type: z.literal("SpeechStarted"), timestamp: z.number() }),
  z.looseObject({ type: z.literal("UtteranceEnd"), last_word_end: z.number() }),
  z.looseObject({ type: z.literal("Metadata"), request_id: z.string().optional() }),
  // Modelled by the python SDK; streaming errors normally arrive as close frames instead.
  z.looseObject({ type: z.literal("Error"), description: z.string().optional(), message: z.string().optional() }),
]);
export type ListenServerMessage = z.infer<typeof listenServerMessage>;

export const speakServerMessage = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("Metadata"), request_id: z.string().optional(), model_name: z.string().optional() }),
  z.looseObject({ type: z.literal("Flushed"), sequence_id: z.number().optional() }),
  z.looseObject({ type: z.literal("Cleared"), sequence_id: z.number().optional() }),
  // The current API spec says description/code; older SDKs and mocks say warn_msg/warn_code.
  z.looseObject({
    type: z.literal("Warning"),
    description: z.string().optional(),
    code: z.string().optional(),
    warn_msg: z.string().optional(),
    warn_code: z.string().optional(),
  }),
  z.looseObject({ type: z.literal("Error"), description: z.string().optional(), err_msg: z.string().optional() }),
]);
export type SpeakServerMessage = z.infer<typeof speakServerMessage>;

export type Parsed<T> = { ok: true; message: T } | { ok: false; kind: "unknown_type" | "invalid"; type?: string };

/**
 * Parses one text frame: a known message, a message of a `type` the schema doesn't know (to be ignored and
 * counted: Deepgram may add types), or garbage (a known type that fails validation, or not JSON at all).
 */
export function parseServerMessage<T>(schema: z.ZodType<T>, knownTypes: readonly string[], text: string): Parsed<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, kind: "invalid" };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const type = typeof json === "object" && json !== null && "type" in json && typeof json.type === "string" ? json.type : undefined;
  if (type === undefined) return { ok: false, kind: "invalid" };
  return { ok: false, kind: knownTypes.includes(type) ? "invalid" : "unknown_type", type };
}

export const LISTEN_MESSAGE_TYPES = ["Results", "SpeechStarted", "UtteranceEnd", "Metadata", "Error"] as const;
export const SPEAK_MESSAGE_TYPES = ["Metadata", "Flushed", "Cleared", "Warning", "Error"] as const;
