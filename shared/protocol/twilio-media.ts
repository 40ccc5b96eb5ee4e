import { z } from "zod";

/**
 * Twilio Media Streams wire messages (bidirectional `<Connect><Stream>`), both directions.
 * Twilio → server schemas accept unknown extra fields (Twilio may add some); server → Twilio schemas are strict,
 * because Twilio rejects a missing or extra field as error 31951.
 * Runtime-neutral: the Worker and the Node simulator share this file.
 */

/** Numeric-looking fields (`sequenceNumber`, `media.chunk`, `media.timestamp`) are decimal strings on the wire. */
const decimalString = z.string().regex(/^\d+$/, "expected a decimal string");
const base64 = z
  .string()
  .min(4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, "expected base64")
  .refine((s) => s.length % 4 === 0, "base64 length must be a multiple of 4");
const sid = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `expected a ${prefix}… SID`);

export const twilioConnectedMessageSchema = z.object({
  event: z.literal("connected"),
  protocol: z.string(),
  version: z.string(),
});

export const twilioMediaFormatSchema = z.object({
  encoding: z.string(),
  sampleRate: z.number().int().positive(),
  channels: z.number().int().positive(),
});

export const twilioStartMessageSchema = z.object({
  event: z.literal("start"),
  sequenceNumber: decimalString,
  streamSid: sid("MZ"),
  start: z.object({
    streamSid: sid("MZ"),
    accountSid: sid("AC"),
    callSid: sid("CA"),
    tracks: z.array(z.string()),
    // Whether Twilio sends `{}` or omits the field when there is no <Parameter> is unconfirmed; accept both.
    customParameters: z.record(z.string(), z.string()).default({}),
    mediaFormat: twilioMediaFormatSchema,
  }),
});

export const twilioMediaMessageSchema = z.object({
  event: z.literal("media"),
  sequenceNumber: decimalString,
  streamSid: sid("MZ"),
  media: z.object({
    track: z.enum(["inbound", "outbound"]),
    chunk: decimalString,
    timestamp: decimalString,
    payload: base64,
  }),
});

export const twilioMarkMessageSchema = z.object({
  event: z.literal("mark"),
  sequenceNumber: decimalString,
  streamSid: sid("MZ"),
  mark: z.object({ name: z.string() }),
});

export const twilioDtmfMessageSchema = z.object({
  event: z.literal("dtmf"),
  sequenceNumber: decimalString,
  streamSid: sid("MZ"),
  dtmf: z.object({ track: z.string(), digit: z.string().regex(/^[0-9*#A-Da-d]$/, "expected one DTMF digit") }),
});

export const twilioStopMessageSchema = z.object({
  event: z.literal("stop"),
  sequenceNumber: decimalString,
  streamSid: sid("MZ"),
  stop: z.object({ accountSid: sid("AC"), callSid: sid("CA") }),
});

/** Every message Twilio sends on a Media Stream, discriminated by `event`. */
export const twilioMessageSchema = z.discriminatedUnion("event", [
  twilioConnectedMessageSchema,
  twilioStartMessageSchema,
  twilioMediaMessageSchema,
  twilioMarkMessageSchema,
  twilioDtmfMessageSchema,
  twilioStopMessageSchema,
]);

export type TwilioConnectedMessage = z.infer<typeof twilioConnectedMessageSchema>;
export type TwilioStartMessage = z.infer<typeof twilioStartMessageSchema>;
export type TwilioMediaMessage = z.infer<typeof twilioMediaMessageSchema>;
export type TwilioMarkMessage = z.infer<typeof twilioMarkMessageSchema>;
export type TwilioDtmfMessage = z.infer<typeof twilioDtmfMessageSchema>;
export type TwilioStopMessage = z.infer<typeof twilioStopMessageSchema>;
export type TwilioMessage = z.infer<typeof twilioMessageSchema>;
export type TwilioMessageEvent = TwilioMessage["event"];

export const twilioServerMediaMessageSchema = z.strictObject({
  event: z.literal("media"),
  streamSid: sid("MZ"),
  media: z.strictObject({ payload: base64 }),
});

export const twilioServerMarkMessageSchema = z.strictObject({
  event: z.literal("mark"),
  streamSid: sid("MZ"),
  mark: z.strictObject({ name: z.string().min(1) }),
});

export const twilioServerClearMessageSchema = z.strictObject({
  event: z.literal("clear"),
  streamSid: sid("MZ"),
});

/** Every message a server may send to Twilio on a bidirectional stream. */
export const twilioServerMessageSchema = z.discriminatedUnion("event", [
  twilioServerMediaMessageSchema,
  twilioServerMarkMessageSchema,
  twilioServerClearMessageSchema,
]);

export type TwilioServerMediaMessage = z.infer<typeof twilioServerMediaMessageSchema>;
export type TwilioServerMarkMessage = z.infer<typeof twilioServerMarkMessageSchema>;
export type TwilioServerClearMessage = z.infer<typeof twilioServerClearMessageSchema>;
export type TwilioServerMessage = z.infer<typeof twilioServerMessageSchema>;

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, text: string): ParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: "not JSON" };
  }
  const result = schema.safeParse(json);
  return result.success ? { ok: true, message: result.data } : { ok: false, error: z.prettifyError(result.error) };
}

/** Parses one text frame Twilio sent. Never throws. */
export const parseTwilioMessage = (text: string): ParseResult<TwilioMessage> => parseWith(twilioMessageSchema, text);

/** Parses one text frame a server sent to Twilio. Never throws. */
export const parseTwilioServerMessage = (text: string): ParseResult<TwilioServerMessage> =>
  parseWith(twilioServerMessageSchema, text);

/**
 * Outbound audio: base64 μ-law 8 kHz, no file header, any size. Returns the JSON text frame. Built as text, not by
 * JSON.stringify (which scans every payload character for escapes): a stream sid (`MZ` + hex, validated at `start`)
 * and base64 never need escaping.
 */
export const buildMediaMessage = (streamSid: string, payloadBase64: string): string =>
  `{"event":"media","streamSid":"${streamSid}","media":{"payload":"${payloadBase64}"}}`;

/** Twilio echoes the mark once the audio queued before it has played (or has been cleared). */
export const buildMarkMessage = (streamSid: string, name: string): string =>
  JSON.stringify({ event: "mark", streamSid, mark: { name } } satisfies TwilioServerMarkMessage);

/** Drops all buffered outbound audio; Twilio then echoes every pending mark. */
export const buildClearMessage = (streamSid: string): string =>
  JSON.stringify({ event: "clear", streamSid } satisfies TwilioServerClearMessage);
