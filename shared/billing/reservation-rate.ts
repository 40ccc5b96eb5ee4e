import { TOKENS_PER_RATE_UNIT, type RATE_COMPONENTS } from "../pg/schema.ts";

type RateComponent = (typeof RATE_COMPONENTS)[number];

/**
 * What one minute of a call is assumed to use when the edge reserves credit for it (prepaid accounts). Reservations
 * only bound what a call may spend before the gate can stop it; the charge itself is priced from the call's real
 * usage. The estimate leans high, so a reservation covers a busy minute:
 * - telephony, platform and recording: one minute each (recording counted whether or not the agent records);
 * - STT: 60 s, the whole minute is streamed;
 * - TTS: 900 characters, the agent speaking the whole minute (about 150 words at six characters a word);
 * - LLM: 16,000 context tokens (four turns a minute, each resending a prompt and history of about 4,000 tokens),
 *   priced at the dearer of fresh input and cache write; 400 output tokens (four replies of about 100 tokens).
 */
export const RESERVED_USAGE_PER_MINUTE = {
  telephonyMinutes: 1,
  platformMinutes: 1,
  recordingMinutes: 1,
  sttSeconds: 60,
  ttsCharacters: 900,
  llmContextTokens: 16_000,
  llmOutputTokens: 400,
} as const;

/** Rates are in millionths of the currency unit; every supported currency (USD, EUR, GBP) has 100 minor units. */
const MICROS_PER_MINOR = 10_000;

/**
 * One minute's reservation in minor units, from the plan's rates in the account's currency (each component's
 * highest rate across models, since the reservation cannot know which model a call will use), rounded up.
 * A component without a rate costs nothing.
 */
export function reservePerMinuteMinor(rates: ReadonlyArray<{ component: RateComponent; microsPerUnit: number }>): number {
  const rate = (component: RateComponent) => Math.max(0, ...rates.filter((r) => r.component === component).map((r) => r.microsPerUnit));
  const u = RESERVED_USAGE_PER_MINUTE;
  const micros =
    Math.max(rate("telephony_inbound_minute"), rate("telephony_outbound_minute")) * u.telephonyMinutes +
    rate("platform_minute") * u.platformMinutes +
    rate("recording_minute") * u.recordingMinutes +
    rate("stt_second") * u.sttSeconds +
    rate("tts_character") * u.ttsCharacters +
    (Math.max(rate("llm_input_token"), rate("llm_cache_write_token")) * u.llmContextTokens + rate("llm_output_token") * u.llmOutputTokens) / TOKENS_PER_RATE_UNIT;
  return Math.ceil(micros / MICROS_PER_MINOR);
}
