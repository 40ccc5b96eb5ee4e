import { DeepgramHttpError, invalidParam, unknownModel } from "./deepgram-error.ts";

/** Validated `/v1/listen` query parameters. Unknown parameters are ignored, as the real service does. */
export interface ListenParams {
  model: string;
  language: string;
  /** undefined: containerised audio (the simulator understands WAV). */
  encoding: ListenEncoding | undefined;
  sampleRate: number | undefined;
  channels: number;
  interimResults: boolean;
  /** Silence in ms that ends an utterance with `speech_final`; false disables endpointing. */
  endpointingMs: number | false;
  utteranceEndMs: number | undefined;
  vadEvents: boolean;
  punctuate: boolean;
  smartFormat: boolean;
  keyterms: string[];
  keywords: string[];
  /** `extra=key:value` pairs; the platform sets `call_sid:<CallSid>`. */
  extra: Record<string, string>;
  tags: string[];
}

export const LISTEN_ENCODINGS = ["linear16", "flac", "mulaw", "alaw", "amr-nb", "amr-wb", "opus", "speex", "g729"] as const;
export type ListenEncoding = (typeof LISTEN_ENCODINGS)[number];
/** What the simulator can actually decode; the rest are valid for Deepgram but refused here with a clear message. */
export const DECODABLE_ENCODINGS: readonly ListenEncoding[] = ["linear16", "mulaw", "alaw"];

export const LISTEN_MODELS: ReadonlySet<string> = new Set([
  "nova-3", "nova-3-general", "nova-3-medical",
  "nova-2", "nova-2-general", "nova-2-meeting", "nova-2-phonecall", "nova-2-finance", "nova-2-conversationalai", "nova-2-voicemail",
  "nova-2-video", "nova-2-medical", "nova-2-drivethru", "nova-2-automotive", "nova-2-atc",
  "nova", "nova-general", "nova-phonecall", "nova-medical",
  "enhanced", "enhanced-general", "enhanced-meeting", "enhanced-phonecall", "enhanced-finance",
  "base", "meeting", "phonecall", "finance", "conversationalai", "voicemail", "video",
  "whisper", "whisper-tiny", "whisper-base", "whisper-small", "whisper-medium", "whisper-large",
]);

export const KEYTERM_TOKEN_LIMIT = 500;
const BOOLEAN = /^(true|false)$/;
const LANGUAGE = /^(multi|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$/;

export const isNova3 = (model: string): boolean => /^nova-3(-|$)/.test(model);

/**
 * Tokens a keyterm costs against the 500-token budget. Deepgram counts with its model's subword tokenizer, which
 * isn't public; this approximates it (about four letters per token, every digit and symbol its own token), which
 * matches the observed behaviour that codes like "EZS93AV" cost far more than plain words.
 */
export function keytermTokens(term: string): number {
  let tokens = 0;
  for (const part of term.match(/[A-Za-z]+|[0-9]|[^\sA-Za-z0-9]/g) ?? []) tokens += /^[A-Za-z]/.test(part) ? Math.ceil(part.length / 4) : 1;
  return tokens;
}

export function parseListenParams(query: URLSearchParams): ListenParams {
  const one = (name: string): string | undefined => {
    const values = query.getAll(name);
    return values.length > 0 ? values[values.length - 1] : undefined;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const v = one(name);
    if (v === undefined) return fallback;
    if (!BOOLEAN.test(v)) throw invalidParam(`Invalid value for ${name}: expected true or false, got "${v}".`);
    return v === "true";
  };
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw invalidParam(`Invalid value for ${name}: expected an integer from ${min} to ${max}, got "${v}".`);
    return Number(v);
  };

  const model = one("model") ?? "base";
  if (/^flux/.test(model)) {
    throw new DeepgramHttpError(400, "V2_MODEL_ON_V1_LISTEN_ENDPOINT", "Flux models are not supported on the /v1/listen endpoint. Please use the /v2/listen endpoint.");
  }
  if (!LISTEN_MODELS.has(model)) throw unknownModel();

  const language = one("language") ?? "en";
  if (!LANGUAGE.test(language)) throw invalidParam(`Invalid value for language: "${language}" is not a BCP-47 tag.`);

  const encodingRaw = one("encoding");
  if (encodingRaw !== undefined && !(LISTEN_ENCODINGS as readonly string[]).includes(encodingRaw)) {
    throw invalidParam(`Invalid value for encoding: "${encodingRaw}". Expected one of ${LISTEN_ENCODINGS.join(", ")}.`);
  }
  const encoding = encodingRaw as ListenEncoding | undefined;
  const sampleRate = int("sample_rate", 1, 192_000);
  if (encoding !== undefined && sampleRate === undefined) throw invalidParam("sample_rate is required when encoding is set.");
  if (encoding !== undefined && !DECODABLE_ENCODINGS.includes(encoding)) {
    throw invalidParam(`The Deepgram simulator cannot decode encoding=${encoding}; use linear16, mulaw or alaw.`);
  }

  const interimResults = bool("interim_results", false);
  const endpointingRaw = one("endpointing");
  let endpointingMs: number | false = 10;
  if (endpointingRaw === "false") endpointingMs = false;
  else if (endpointingRaw !== undefined && endpointingRaw !== "true") endpointingMs = int("endpointing", 0, 60_000) ?? 10;

  const utteranceEndMs = int("utterance_end_ms", 1, 60_000);
  if (utteranceEndMs !== undefined && !interimResults) throw invalidParam("utterance_end_ms requires interim_results=true.");

  const keyterms = query.getAll("keyterm").filter((k) => k.length > 0);
  if (keyterms.length > 0 && !isNova3(model)) throw invalidParam("Keyterm prompting is only available for Nova-3 models.");
  if (keyterms.reduce((n, k) => n + keytermTokens(k), 0) > KEYTERM_TOKEN_LIMIT) {
    throw invalidParam(`Keyterm limit exceeded. The maximum number of tokens across all keyterms is ${KEYTERM_TOKEN_LIMIT}.`);
  }
  const keywords = query.getAll("keywords").filter((k) => k.length > 0);
  if (keywords.length > 0 && isNova3(model)) throw invalidParam("Keywords are not supported for Nova-3 models; use keyterm instead.");

  const extra: Record<string, string> = {};
  for (const pair of query.getAll("extra")) {
    const colon = pair.indexOf(":");
    if (colon <= 0) throw invalidParam(`Invalid value for extra: "${pair}". Expected key:value.`);
    extra[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  const tags = query.getAll("tag");
  if (tags.some((t) => t.length > 128)) throw invalidParam("Invalid value for tag: at most 128 characters.");

  for (const name of ["diarize", "multichannel", "numerals", "profanity_filter", "filler_words", "dictation", "mip_opt_out", "detect_entities"]) bool(name, false);

  return {
    model,
    language,
    encoding,
    sampleRate,
    channels: int("channels", 1, 16) ?? 1,
    interimResults,
    endpointingMs,
    utteranceEndMs,
    vadEvents: bool("vad_events", false),
    punctuate: bool("punctuate", false),
    smartFormat: bool("smart_format", false),
    keyterms,
    keywords,
    extra,
    tags,
  };
}
