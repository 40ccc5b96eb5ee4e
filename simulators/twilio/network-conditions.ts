import { LatencySampler, type LatencyProfile, type LatencyProfileName } from "../common/latency-profile.ts";
import { Random } from "../common/random.ts";
import { WEBHOOK_TIMEOUT_MS } from "./webhook-client.ts";

/** When the profile drops a media socket (jittery), it happens this long after the stream opens. */
export interface DropWindow {
  minMs: number;
  maxMs: number;
}

/**
 * Twilio's side of the network, as a latency profile shapes it: a delay before each webhook reaches the
 * application, a one-way transit for each Media Stream (both directions), and under `jittery` a media socket cut
 * mid-call (1006, no `stop`), after which the call follows `<Connect action>` as on Twilio. `instant` adds nothing.
 */
export class TwilioNetwork {
  readonly #sampler: LatencySampler;
  readonly #random: Random;
  readonly #dropWindow: DropWindow;
  /**
   * How long Twilio waits for the application to answer a webhook (15 s). Wall-clock, like the webhook delay: it
   * bounds the application's own (unaccelerated) response time, so a fast call clock must not shorten it.
   */
  readonly webhookTimeoutMs: number;

  constructor(profile: LatencyProfileName | LatencyProfile, seed: number, dropWindow: DropWindow = { minMs: 2000, maxMs: 20_000 }, webhookTimeoutMs = WEBHOOK_TIMEOUT_MS) {
    this.#sampler = new LatencySampler(profile, seed);
    this.#random = new Random(seed ^ 0x7f4a7c15);
    this.#dropWindow = dropWindow;
    this.webhookTimeoutMs = webhookTimeoutMs;
  }

  webhookDelayMs(): number {
    return this.#sampler.draw(this.#sampler.profile.twilioWebhook);
  }

  mediaTransitMs(): number {
    return this.#sampler.draw(this.#sampler.profile.twilioMediaTransit);
  }

  /** Wall-clock ms after which this stream's socket is cut, or undefined when it survives. */
  mediaDropAfterMs(): number | undefined {
    if (!this.#sampler.shouldDropSocket()) return undefined;
    const { minMs, maxMs } = this.#dropWindow;
    return minMs + this.#random.next() * (maxMs - minMs);
  }
}
