import { Random } from "./random.ts";

/**
 * Provider delays the simulators add, by profile. `instant` is for tests; `realistic` follows published figures
 * (../shared/docs/latency.md); `twilio-baseline` uses the per-stage budget of Twilio's cascaded-agent guide (STT
 * 350 ms including the endpointing silence, LLM first token 375 ms, TTS first byte 100 ms; p95s from its upper
 * figures), the reference behind its 885 ms turn gap; `jittery` adds the tail: occasional multi-second first
 * tokens and dropped sockets.
 * A delay is a log-normal distribution fixed by its median and p95, so draws have a realistic right tail.
 */
export type LatencyProfileName = "instant" | "realistic" | "twilio-baseline" | "jittery";
export const LATENCY_PROFILE_NAMES: readonly LatencyProfileName[] = ["instant", "realistic", "twilio-baseline", "jittery"];

export interface Distribution {
  p50Ms: number;
  p95Ms: number;
}

export interface LatencyProfile {
  name: LatencyProfileName;
  /**
   * Deepgram: end of speech → final transcript, *including* the endpointing silence (latency.md rows 15 and 85: TTFS
   * is measured from the end of speech and the budget stage is "end-of-turn wait + final transcript"). A final never
   * comes before the configured endpointing silence has been heard, so that silence is the floor.
   */
  sttFinal: Distribution;
  /** Bedrock: request → first token, per model class. */
  llmFirstToken: { haiku: Distribution; sonnet: Distribution };
  /** Bedrock: output tokens per second, per model class, drawn once per response (a rate, not a delay, in the same shape). */
  llmTokensPerSecond: { haiku: Distribution; sonnet: Distribution };
  /** Aura-2: text → first audio byte on a warm socket / on a new request. */
  ttsFirstByteWarm: Distribution;
  ttsFirstByteCold: Distribution;
  /** Extra handshake for a cold provider connection: the first request on a new TCP connection or WebSocket. */
  connectHandshake: Distribution;
  /** Twilio: its edge → the application's webhook, per request. */
  twilioWebhook: Distribution;
  /** Twilio: one-way transit between its media server and the application's Media Streams socket, per stream. */
  twilioMediaTransit: Distribution;
  /** Probability that a given provider response is a multi-second straggler (jittery only). */
  stragglerRate: number;
  stragglerMs: Distribution;
  /** Probability per provider socket (Deepgram, Bedrock stream, Twilio media stream) of being dropped mid-stream (jittery only). */
  socketDropRate: number;
  /** Deepgram Flux (/v2/listen) turn detection; see FluxProfile. */
  flux: FluxProfile;
}

/**
 * Deepgram Flux's turn detection, in audio time from the end of speech (the silence Flux must hear), at the default
 * thresholds (`eot_threshold` 0.7; `eager_eot_threshold` 0.5). Thresholds scale these (simulators/deepgram/flux-turns.ts).
 */
export interface FluxProfile {
  /** End of speech → `EndOfTurn`. Deepgram: "~260ms end-of-turn detection (p50 at defaults)" (Flux quickstart, Nova-3 migration guide). */
  endOfTurn: Distribution;
  /** End of speech → `EagerEndOfTurn`. Deepgram publishes no figure; our estimate keeps it ~80 ms ahead of `EndOfTurn`. */
  eagerEndOfTurn: Distribution;
  /**
   * Probability that a pause inside a turn, too short to reach `eagerEndOfTurn`, still fires an `EagerEndOfTurn` (then
   * `TurnResumed` when the caller goes on). Longer pauses that resume are false eagers anyway. latency.md §2 cites an
   * 18% discard rate for speculative replies; the published profiles use it.
   */
  falseEagerRate: number;
}

/** Deepgram's ~260 ms p50; the p95 is our estimate (no published tail). */
const fluxPublished: FluxProfile = { endOfTurn: { p50Ms: 260, p95Ms: 360 }, eagerEndOfTurn: { p50Ms: 180, p95Ms: 250 }, falseEagerRate: 0.18 };

const zero: Distribution = { p50Ms: 0, p95Ms: 0 };
const unlimited: Distribution = { p50Ms: Infinity, p95Ms: Infinity };
/** Haiku-class output 65–100 tok/s (latency.md §2): median 80, 5th–95th percentile ≈ 65–98. */
const haikuRate: Distribution = { p50Ms: 80, p95Ms: 98 };
/** Sonnet-class ≈ 53 tok/s. */
const sonnetRate: Distribution = { p50Ms: 53, p95Ms: 60 };
/**
 * Twilio's cloud → a co-located application (Twilio US1 and a nearby Cloudflare colo): our estimate, no published
 * figure; latency.md row 2 budgets ~40 ms device → edge and ≥10 traversals per turn.
 */
const twilioWebhook: Distribution = { p50Ms: 60, p95Ms: 120 };
const twilioMediaTransit: Distribution = { p50Ms: 20, p95Ms: 40 };
/** TLS + WebSocket handshake 80–200 ms per cold connection (latency.md row 30), as the 5th–95th percentile. */
const coldHandshake: Distribution = { p50Ms: 127, p95Ms: 200 };

/** What the published-figure profiles share: real token rates and network, no stragglers or drops. */
const calm = {
  llmTokensPerSecond: { haiku: haikuRate, sonnet: sonnetRate },
  connectHandshake: coldHandshake,
  twilioWebhook,
  twilioMediaTransit,
  stragglerRate: 0,
  stragglerMs: zero,
  socketDropRate: 0,
  flux: fluxPublished,
} satisfies Partial<LatencyProfile>;

export const latencyProfiles: Record<LatencyProfileName, LatencyProfile> = {
  instant: {
    name: "instant",
    sttFinal: zero,
    llmFirstToken: { haiku: zero, sonnet: zero },
    llmTokensPerSecond: { haiku: unlimited, sonnet: unlimited },
    ttsFirstByteWarm: zero,
    ttsFirstByteCold: zero,
    connectHandshake: zero,
    twilioWebhook: zero,
    twilioMediaTransit: zero,
    stragglerRate: 0,
    stragglerMs: zero,
    socketDropRate: 0,
    // Turn detection is silence the model must hear (audio time, free for accelerated senders): fixed medians, no false eagers.
    flux: { endOfTurn: { p50Ms: 260, p95Ms: 260 }, eagerEndOfTurn: { p50Ms: 220, p95Ms: 220 }, falseEagerRate: 0 },
  },
  realistic: {
    ...calm,
    name: "realistic",
    // Deepgram TTFS median 247 / p95 298 ms from the end of speech (latency.md row 15).
    sttFinal: { p50Ms: 250, p95Ms: 300 },
    llmFirstToken: { haiku: { p50Ms: 700, p95Ms: 800 }, sonnet: { p50Ms: 930, p95Ms: 1200 } },
    ttsFirstByteWarm: { p50Ms: 200, p95Ms: 260 },
    ttsFirstByteCold: { p50Ms: 310, p95Ms: 400 },
  },
  "twilio-baseline": {
    ...calm,
    name: "twilio-baseline",
    // Twilio's STT stage, 350 ms (upper 500) from the end of speech, includes the endpointing silence.
    sttFinal: { p50Ms: 350, p95Ms: 500 },
    llmFirstToken: { haiku: { p50Ms: 375, p95Ms: 750 }, sonnet: { p50Ms: 375, p95Ms: 750 } },
    ttsFirstByteWarm: { p50Ms: 100, p95Ms: 250 },
    ttsFirstByteCold: { p50Ms: 100, p95Ms: 250 },
  },
  jittery: {
    name: "jittery",
    sttFinal: { p50Ms: 250, p95Ms: 450 },
    llmFirstToken: { haiku: { p50Ms: 700, p95Ms: 1500 }, sonnet: { p50Ms: 930, p95Ms: 2000 } },
    llmTokensPerSecond: { haiku: { p50Ms: 80, p95Ms: 110 }, sonnet: { p50Ms: 53, p95Ms: 75 } },
    ttsFirstByteWarm: { p50Ms: 200, p95Ms: 400 },
    ttsFirstByteCold: { p50Ms: 310, p95Ms: 600 },
    connectHandshake: { p50Ms: 120, p95Ms: 400 },
    twilioWebhook: { p50Ms: 60, p95Ms: 400 },
    twilioMediaTransit: { p50Ms: 20, p95Ms: 120 },
    stragglerRate: 0.05,
    stragglerMs: { p50Ms: 2500, p95Ms: 4000 },
    socketDropRate: 0.1,
    flux: { endOfTurn: { p50Ms: 260, p95Ms: 500 }, eagerEndOfTurn: { p50Ms: 180, p95Ms: 350 }, falseEagerRate: 0.3 },
  },
};

const Z95 = 1.6448536269514722;

/** Draws delays from a profile; one sampler per simulator, seeded, so runs are reproducible. */
export class LatencySampler {
  readonly profile: LatencyProfile;
  #random: Random;

  constructor(profile: LatencyProfileName | LatencyProfile = "instant", seed = 1) {
    this.profile = typeof profile === "string" ? latencyProfiles[profile] : profile;
    this.#random = new Random(seed);
  }

  /** A draw from the log-normal with the given median and p95 (0 for a zero distribution, Infinity for an unlimited one). */
  draw(d: Distribution): number {
    if (d.p50Ms <= 0) return 0;
    if (d.p50Ms === Infinity) return Infinity;
    const sigma = d.p95Ms > d.p50Ms ? Math.log(d.p95Ms / d.p50Ms) / Z95 : 0;
    return d.p50Ms * Math.exp(sigma * this.#random.normal());
  }

  /** Adds a straggler delay with the profile's probability. */
  withTail(ms: number): number {
    return this.#random.next() < this.profile.stragglerRate ? ms + this.draw(this.profile.stragglerMs) : ms;
  }

  shouldDropSocket(): boolean {
    return this.#random.next() < this.profile.socketDropRate;
  }
}

export const sleep = (ms: number): Promise<void> =>
  ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
