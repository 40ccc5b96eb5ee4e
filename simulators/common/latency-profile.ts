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
  /** Deepgram: end of speech → final transcript, on top of the configured endpointing silence. */
  sttFinal: Distribution;
  /** Bedrock: request → first token, per model class. */
  llmFirstToken: { haiku: Distribution; sonnet: Distribution };
  /** Bedrock: output tokens per second, per model class. */
  llmTokensPerSecond: { haiku: number; sonnet: number };
  /** Aura-2: text → first audio byte on a warm socket / on a new request. */
  ttsFirstByteWarm: Distribution;
  ttsFirstByteCold: Distribution;
  /** Extra handshake for a cold provider connection. */
  connectHandshake: Distribution;
  /** Probability that a given provider response is a multi-second straggler (jittery only). */
  stragglerRate: number;
  stragglerMs: Distribution;
  /** Probability per provider socket of being dropped mid-stream (jittery only). */
  socketDropRate: number;
}

const zero: Distribution = { p50Ms: 0, p95Ms: 0 };

export const latencyProfiles: Record<LatencyProfileName, LatencyProfile> = {
  instant: {
    name: "instant",
    sttFinal: zero,
    llmFirstToken: { haiku: zero, sonnet: zero },
    llmTokensPerSecond: { haiku: Infinity, sonnet: Infinity },
    ttsFirstByteWarm: zero,
    ttsFirstByteCold: zero,
    connectHandshake: zero,
    stragglerRate: 0,
    stragglerMs: zero,
    socketDropRate: 0,
  },
  realistic: {
    name: "realistic",
    sttFinal: { p50Ms: 250, p95Ms: 300 },
    llmFirstToken: { haiku: { p50Ms: 700, p95Ms: 800 }, sonnet: { p50Ms: 930, p95Ms: 1200 } },
    llmTokensPerSecond: { haiku: 80, sonnet: 53 },
    ttsFirstByteWarm: { p50Ms: 200, p95Ms: 260 },
    ttsFirstByteCold: { p50Ms: 310, p95Ms: 400 },
    connectHandshake: { p50Ms: 120, p95Ms: 200 },
    stragglerRate: 0,
    stragglerMs: zero,
    socketDropRate: 0,
  },
  "twilio-baseline": {
    name: "twilio-baseline",
    // 350 ms STT = a 300 ms endpointing silence (the agent's setting) + 50 ms to the final.
    sttFinal: { p50Ms: 50, p95Ms: 200 },
    llmFirstToken: { haiku: { p50Ms: 375, p95Ms: 750 }, sonnet: { p50Ms: 375, p95Ms: 750 } },
    llmTokensPerSecond: { haiku: 80, sonnet: 53 },
    ttsFirstByteWarm: { p50Ms: 100, p95Ms: 250 },
    ttsFirstByteCold: { p50Ms: 100, p95Ms: 250 },
    connectHandshake: { p50Ms: 120, p95Ms: 200 },
    stragglerRate: 0,
    stragglerMs: zero,
    socketDropRate: 0,
  },
  jittery: {
    name: "jittery",
    sttFinal: { p50Ms: 250, p95Ms: 450 },
    llmFirstToken: { haiku: { p50Ms: 700, p95Ms: 1500 }, sonnet: { p50Ms: 930, p95Ms: 2000 } },
    llmTokensPerSecond: { haiku: 80, sonnet: 53 },
    ttsFirstByteWarm: { p50Ms: 200, p95Ms: 400 },
    ttsFirstByteCold: { p50Ms: 310, p95Ms: 600 },
    connectHandshake: { p50Ms: 120, p95Ms: 400 },
    stragglerRate: 0.05,
    stragglerMs: { p50Ms: 2500, p95Ms: 4000 },
    socketDropRate: 0.1,
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

  /** A draw from the log-normal with the given median and p95 (0 for a zero distribution). */
  draw(d: Distribution): number {
    if (d.p50Ms <= 0) return 0;
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
