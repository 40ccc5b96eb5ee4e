/** Deepgram live STT models an agent may use: Nova on `/v1/listen`, Flux (its own turn detection) on `/v2/listen`. */
export const NOVA_STT_MODELS = ["nova-3", "nova-3-general", "nova-3-medical", "nova-2-phonecall"] as const;
export const FLUX_STT_MODELS = ["flux-general-en", "flux-general-multi"] as const;
export type FluxSttModel = (typeof FLUX_STT_MODELS)[number];

export const isFluxModel = (model: string): model is FluxSttModel => (FLUX_STT_MODELS as readonly string[]).includes(model);

/**
 * Flux's end-of-turn settings an agent may set (developers.deepgram.com/docs/flux/configuration). `eot_threshold`
 * stops at 0.9: Flux takes 1.0, but that suppresses its end of turn for a client that ends turns itself with
 * ForceEndTurn, which the platform does not do, so every turn would wait for `eot_timeout_ms`.
 */
export const FLUX_EOT_LIMITS = {
  eotThreshold: { min: 0.5, max: 0.9, default: 0.7 },
  eagerEotThreshold: { min: 0.3, max: 0.9 },
  eotTimeoutMs: { min: 500, max: 60_000, default: 5000 },
} as const;
