import { AURA2_VOICES } from "../../shared/voice/aura2-voices.ts";
import { DeepgramHttpError, invalidParam } from "./deepgram-error.ts";

/** Aura-1 voices are still served; Aura-2 ids come from the platform's shared list (Deepgram SDK model enum). */
const AURA1_VOICES = ["aura-angus-en", "aura-arcas-en", "aura-asteria-en", "aura-athena-en", "aura-helios-en", "aura-hera-en", "aura-luna-en", "aura-orion-en", "aura-orpheus-en", "aura-perseus-en", "aura-stella-en", "aura-zeus-en"];
export const SPEAK_MODELS: ReadonlySet<string> = new Set<string>([...AURA2_VOICES, ...AURA1_VOICES]);

export type SpeakEncoding = "linear16" | "mulaw" | "alaw";
export type SpeakContainer = "none" | "wav";

export interface SpeakParams {
  model: string;
  encoding: SpeakEncoding;
  sampleRate: number;
  container: SpeakContainer;
}

const RATES: Record<SpeakEncoding, readonly number[]> = {
  mulaw: [8000, 16000],
  alaw: [8000, 16000],
  linear16: [8000, 16000, 24000, 32000, 44100, 48000],
};
const DEFAULT_RATE: Record<SpeakEncoding, number> = { mulaw: 8000, alaw: 8000, linear16: 24000 };
const REST_ONLY_ENCODINGS = ["mp3", "opus", "flac", "aac"];

/**
 * Validates speak query parameters. The WebSocket has no container (always raw audio) and only linear16/mulaw/alaw;
 * REST defaults to linear16 in a WAV container at 24 kHz. Compressed REST encodings are valid for Deepgram but the
 * simulator can't produce them, so it says so instead of sending mislabelled audio.
 */
export function parseSpeakParams(query: URLSearchParams, transport: "websocket" | "rest"): SpeakParams {
  const model = query.get("model") ?? "aura-asteria-en";
  if (!SPEAK_MODELS.has(model)) throw new DeepgramHttpError(400, "Bad Request", "No such model/version combination found.");

  const encodingRaw = query.get("encoding") ?? "linear16";
  if (encodingRaw !== "linear16" && encodingRaw !== "mulaw" && encodingRaw !== "alaw") {
    if (transport === "rest" && REST_ONLY_ENCODINGS.includes(encodingRaw)) {
      throw invalidParam(`The Deepgram simulator cannot produce encoding=${encodingRaw}; use linear16, mulaw or alaw.`);
    }
    throw invalidParam(`Invalid value for encoding: "${encodingRaw}". Expected one of linear16, mulaw, alaw${transport === "rest" ? ", mp3, opus, flac, aac" : ""}.`);
  }
  const encoding: SpeakEncoding = encodingRaw;

  const rateRaw = query.get("sample_rate");
  const sampleRate = rateRaw === null ? DEFAULT_RATE[encoding] : Number(rateRaw);
  const allowed = RATES[encoding].filter((r) => transport === "rest" || r !== 44100);
  if (!Number.isInteger(sampleRate) || !allowed.includes(sampleRate)) {
    throw invalidParam(`Invalid value for sample_rate: "${rateRaw}" with encoding=${encoding}. Expected one of ${allowed.join(", ")}.`);
  }

  const containerRaw = query.get("container");
  if (transport === "websocket") return { model, encoding, sampleRate, container: "none" };
  const container = containerRaw ?? "wav";
  if (container !== "wav" && container !== "none") throw invalidParam(`Invalid value for container: "${container}". Expected wav or none.`);
  return { model, encoding, sampleRate, container };
}
