import { invalidParam, unknownModel } from "./deepgram-error.ts";
import { KEYTERM_TOKEN_LIMIT, keytermTokens, type ListenEncoding } from "./listen-params.ts";

/**
 * Validated `/v2/listen` (Flux) query parameters, per Deepgram's Flux pages and its v2 listen API reference (the
 * `@deepgram/sdk` v5 `listen.v2` types): unknown parameters are ignored, as on `/v1/listen`.
 */
export interface FluxParams {
  model: FluxModel;
  /** undefined: containerised audio (the simulator understands WAV). */
  encoding: "linear16" | "mulaw" | "alaw" | undefined;
  sampleRate: number | undefined;
  thresholds: FluxThresholds;
  keyterms: string[];
  languageHints: string[];
  /** `extra=key:value` pairs; the platform sets `call_sid:<CallSid>`. */
  extra: Record<string, string>;
  tags: string[];
  mipOptOut: boolean;
}

export interface FluxThresholds {
  /** 0.5–1.0, default 0.7; 1.0 suppresses the model's own end of turn (ForceEndTurn and the timeout still end turns). */
  eotThreshold: number;
  /** 0.3–0.9, ≤ eotThreshold; unset by default, and only when set are EagerEndOfTurn and TurnResumed sent. */
  eagerEotThreshold: number | undefined;
  /** 500–60000, default 5000: silence after speech that ends a turn whatever the confidence. */
  eotTimeoutMs: number;
}

export const FLUX_MODELS = ["flux-general-en", "flux-general-multi"] as const;
export type FluxModel = (typeof FLUX_MODELS)[number];
/** Raw encodings Flux accepts (docs/encoding, "Flux supports…"); containers (WAV, Ogg, WebM) omit the parameter. */
export const FLUX_ENCODINGS = ["linear16", "linear32", "mulaw", "alaw", "opus", "ogg-opus"] as const;
/** Nova-3 migration guide, "Audio Format Requirements": raw audio at these rates only. */
export const FLUX_SAMPLE_RATES: readonly number[] = [8000, 16000, 24000, 44100, 48000];
const DECODABLE: readonly string[] = ["linear16", "mulaw", "alaw"] satisfies ListenEncoding[];
const BOOLEAN = /^(true|false)$/;
const DECIMAL = /^\d+(\.\d+)?$/;
/** Extra metadata: 2048 characters per key-value pair (docs/extra-metadata). */
const EXTRA_MAX_CHARS = 2048;

export const FLUX_LIMITS = {
  eotThreshold: { min: 0.5, max: 1, fallback: 0.7 },
  eagerEotThreshold: { min: 0.3, max: 0.9 },
  eotTimeoutMs: { min: 500, max: 60_000, fallback: 5000 },
} as const;

export const isFluxModel = (model: string): model is FluxModel => (FLUX_MODELS as readonly string[]).includes(model);

/** Checks a thresholds update (query or `Configure`); returns the error message, or undefined when valid. */
export function thresholdsProblem(t: FluxThresholds): string | undefined {
  const { eotThreshold: eot, eagerEotThreshold: eager, eotTimeoutMs: timeout } = t;
  if (!(eot >= FLUX_LIMITS.eotThreshold.min && eot <= FLUX_LIMITS.eotThreshold.max)) return `Invalid value for eot_threshold: expected a number from 0.5 to 1.0, got ${eot}.`;
  if (eager !== undefined && !(eager >= FLUX_LIMITS.eagerEotThreshold.min && eager <= FLUX_LIMITS.eagerEotThreshold.max)) {
    return `Invalid value for eager_eot_threshold: expected a number from 0.3 to 0.9, got ${eager}.`;
  }
  if (eager !== undefined && eager > eot) return `eager_eot_threshold (${eager}) must be less than or equal to eot_threshold (${eot}).`;
  if (!(Number.isInteger(timeout) && timeout >= FLUX_LIMITS.eotTimeoutMs.min && timeout <= FLUX_LIMITS.eotTimeoutMs.max)) {
    return `Invalid value for eot_timeout_ms: expected an integer from 500 to 60000, got ${timeout}.`;
  }
  return undefined;
}

export function parseFluxParams(query: URLSearchParams): FluxParams {
  const one = (name: string): string | undefined => query.getAll(name).at(-1);
  const number = (name: string, pattern: RegExp): number | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    if (!pattern.test(v)) throw invalidParam(`Invalid value for ${name}: "${v}" is not a number.`);
    return Number(v);
  };
  const bool = (name: string): boolean => {
    const v = one(name);
    if (v !== undefined && !BOOLEAN.test(v)) throw invalidParam(`Invalid value for ${name}: expected true or false, got "${v}".`);
    return v === "true";
  };

  const model = one("model");
  if (model === undefined) throw invalidParam("model is required on /v2/listen: flux-general-en or flux-general-multi.");
  if (!isFluxModel(model)) throw unknownModel();

  const encodingRaw = one("encoding");
  if (encodingRaw !== undefined && !(FLUX_ENCODINGS as readonly string[]).includes(encodingRaw)) {
    throw invalidParam(`Invalid value for encoding: "${encodingRaw}". Flux accepts ${FLUX_ENCODINGS.join(", ")}.`);
  }
  const sampleRate = number("sample_rate", /^\d+$/);
  if (encodingRaw !== undefined && sampleRate === undefined) throw invalidParam("sample_rate is required when encoding is set.");
  if (sampleRate !== undefined && !FLUX_SAMPLE_RATES.includes(sampleRate)) {
    throw invalidParam(`Invalid value for sample_rate: ${sampleRate}. Flux accepts ${FLUX_SAMPLE_RATES.join(", ")}.`);
  }
  if (encodingRaw !== undefined && !DECODABLE.includes(encodingRaw)) {
    throw invalidParam(`The Deepgram simulator cannot decode encoding=${encodingRaw}; use linear16, mulaw or alaw.`);
  }

  const thresholds: FluxThresholds = {
    eotThreshold: number("eot_threshold", DECIMAL) ?? FLUX_LIMITS.eotThreshold.fallback,
    eagerEotThreshold: number("eager_eot_threshold", DECIMAL),
    eotTimeoutMs: number("eot_timeout_ms", /^\d+$/) ?? FLUX_LIMITS.eotTimeoutMs.fallback,
  };
  const problem = thresholdsProblem(thresholds);
  if (problem) throw invalidParam(problem);

  const keyterms = query.getAll("keyterm").filter((k) => k.length > 0);
  if (keyterms.reduce((n, k) => n + keytermTokens(k), 0) > KEYTERM_TOKEN_LIMIT) {
    throw invalidParam(`Keyterm limit exceeded. The maximum number of tokens across all keyterms is ${KEYTERM_TOKEN_LIMIT}.`);
  }
  const languageHints = query.getAll("language_hint");
  if (languageHints.length > 0 && model !== "flux-general-multi") throw invalidParam("language_hint is only valid with model=flux-general-multi.");
  if (languageHints.some((h) => h.length === 0)) throw invalidParam("Invalid value for language_hint: empty values are rejected.");

  const extra: Record<string, string> = {};
  for (const pair of query.getAll("extra")) {
    const colon = pair.indexOf(":");
    if (colon <= 0) throw invalidParam(`Invalid value for extra: "${pair}". Expected key:value.`);
    if (pair.length > EXTRA_MAX_CHARS) throw invalidParam(`Invalid value for extra: at most ${EXTRA_MAX_CHARS} characters per key-value pair.`);
    extra[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  const tags = query.getAll("tag");
  if (tags.some((t) => t.length > 128)) throw invalidParam("Invalid value for tag: at most 128 characters.");
  for (const name of ["numerals", "profanity_filter"]) bool(name);
  const redact = one("redact");
  if (redact !== undefined && redact !== "numbers" && redact !== "aggressive_numbers") {
    throw invalidParam(`Invalid value for redact: "${redact}". On Flux only numbers and aggressive_numbers are supported.`);
  }

  return {
    model,
    encoding: encodingRaw as FluxParams["encoding"],
    sampleRate,
    thresholds,
    keyterms,
    languageHints,
    extra,
    tags,
    mipOptOut: bool("mip_opt_out"),
  };
}
