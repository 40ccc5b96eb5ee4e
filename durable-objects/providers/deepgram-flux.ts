/**
 * Deepgram Flux live STT for one call: the resilient listen socket of deepgram-stt.ts (audio clock, reconnect with
 * replay, CloseStream) speaking `/v2/listen`. Flux detects turns itself, so the Nova endpointing and utterance-end
 * parameters are not sent; its TurnInfo events reach the listener as `turnInfo`, with `Update`s as interim
 * transcripts and `StartOfTurn` also as `speechStarted` (flux-event-mapper.ts).
 */
import type { FluxSttModel } from "../../shared/voice/deepgram-stt-models.ts";
import { DeepgramSpeechToText, type DeepgramSpeechToTextOptions } from "./deepgram-stt.ts";
import { FluxListenDialect } from "./flux-listen-dialect.ts";

export interface FluxSpeechToTextConfig {
  model: FluxSttModel;
  /** The agent's language: a hint for flux-general-multi (`multi` means none); flux-general-en is English only. */
  language: string;
  keyterms: string[];
  /** Deepgram's own redaction: Flux takes one value (shared/compliance/deepgram-redact.ts). */
  redact?: string;
  /** Unset: Deepgram's defaults (0.7; eager off; 5000 ms). Eager events come only with `eagerEotThreshold`. */
  eotThreshold?: number;
  eagerEotThreshold?: number;
  eotTimeoutMs?: number;
  callSid: string | null;
}

/** `/v2/listen` query for Twilio's μ-law 8 kHz audio (Flux takes mono only, so there is no `channels`). */
export function fluxQuery(config: FluxSpeechToTextConfig): URLSearchParams {
  const q = new URLSearchParams({ model: config.model, encoding: "mulaw", sample_rate: "8000" });
  if (config.eotThreshold !== undefined) q.set("eot_threshold", String(config.eotThreshold));
  if (config.eagerEotThreshold !== undefined) q.set("eager_eot_threshold", String(config.eagerEotThreshold));
  if (config.eotTimeoutMs !== undefined) q.set("eot_timeout_ms", String(config.eotTimeoutMs));
  for (const term of config.keyterms) if (term.trim().length > 0) q.append("keyterm", term.trim());
  if (config.model === "flux-general-multi" && config.language !== "multi") q.append("language_hint", config.language);
  if (config.redact) q.set("redact", config.redact);
  if (config.callSid) q.append("extra", `call_sid:${config.callSid}`);
  return q;
}

export class DeepgramFluxSpeechToText extends DeepgramSpeechToText {
  /** Flux ends turns itself (turnInfo): the pipeline takes its turns from it instead of endpointing. */
  readonly turnDetection = "flux";

  constructor(options: Omit<DeepgramSpeechToTextOptions, "config"> & { config: FluxSpeechToTextConfig }) {
    const { config, ...rest } = options;
    super({ ...rest, dialect: new FluxListenDialect(fluxQuery(config), options.listener) });
  }
}
