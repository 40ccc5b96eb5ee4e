import type { SpeechToTextConfig } from "./provider-types.ts";

/** Keyterm prompting exists only on Nova-3 models; other models reject the parameter. */
export const supportsKeyterms = (model: string): boolean => /^nova-3(-|$)/.test(model);

/** `/v1/listen` query for Twilio's μ-law 8 kHz mono audio, with interim results, endpointing and VAD events. */
export function listenQuery(config: SpeechToTextConfig): URLSearchParams {
  const q = new URLSearchParams({
    model: config.model,
    language: config.language,
    encoding: "mulaw",
    sample_rate: "8000",
    channels: "1",
    interim_results: "true",
    endpointing: String(config.endpointingMs),
    utterance_end_ms: String(config.utteranceEndMs),
    vad_events: "true",
    smart_format: "true",
    punctuate: "true",
  });
  if (supportsKeyterms(config.model)) {
    for (const term of config.keyterms) if (term.trim().length > 0) q.append("keyterm", term.trim());
  }
  for (const entity of config.redact ?? []) q.append("redact", entity);
  if (config.callSid) q.append("extra", `call_sid:${config.callSid}`);
  return q;
}
