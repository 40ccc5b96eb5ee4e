/**
 * Starts the provider simulators together, wired so the scripted caller's words reach the STT simulator
 * (a shared utterance registry). Used by the workerd tests (from vitest.config.ts), the Node end-to-end tests,
 * `npm run dev`, the demo and the benchmark.
 */
import { startBedrockSimulator, type BedrockSimulator } from "./bedrock/index.ts";
import type { LatencyProfileName } from "./common/latency-profile.ts";
import { UtteranceRegistry } from "./common/utterance-registry.ts";
import { startDeepgramSimulator, type DeepgramSimulator } from "./deepgram/index.ts";
import { startIntegrationsSimulator, type IntegrationsSimulator } from "./integrations/index.ts";
import { OAUTH_SIMULATOR_CLIENTS } from "./integrations/oauth-clients.ts";
import { startStripeSimulator, type StripeSimulator } from "./stripe/index.ts";
import { startTwilioSimulator, type TwilioSimulator } from "./twilio/index.ts";

/** Credentials the simulators accept; the platform is configured with the same values in local runs. */
export const SIMULATOR_CREDENTIALS = {
  deepgramApiKey: "sim-deepgram-key",
  awsAccessKeyId: "AKIASIMULATOR000001",
  awsSecretAccessKey: "sim-aws-secret-access-key",
  awsRegion: "us-east-1",
  stripeSecretKey: "sk_test_simulator",
  /** `OAUTH_CLIENTS`: the OAuth apps the integration stand-ins know. */
  oauthClients: JSON.stringify(OAUTH_SIMULATOR_CLIENTS),
} as const;

export interface Simulators {
  twilio: TwilioSimulator;
  deepgram: DeepgramSimulator;
  bedrock: BedrockSimulator;
  stripe: StripeSimulator;
  /** Slack, HubSpot and Cal.com stand-ins (the integrations' vendor APIs). */
  integrations: IntegrationsSimulator;
  registry: UtteranceRegistry;
  close(): Promise<void>;
}

export interface SimulatorsOptions {
  profile?: LatencyProfileName;
  /** Call-clock speed (1 = real time): Twilio's media and timers, the windows of Deepgram's speak limits, Stripe's webhook retries. */
  speed?: number;
  seed?: number;
  ports?: { twilio?: number; deepgram?: number; bedrock?: number; stripe?: number; integrations?: number };
}

export async function startSimulators(opts: SimulatorsOptions = {}): Promise<Simulators> {
  const profile = opts.profile ?? "instant";
  const registry = new UtteranceRegistry();
  const [twilio, deepgram, bedrock, stripe, integrations] = await Promise.all([
    startTwilioSimulator({ port: opts.ports?.twilio ?? 0, speed: opts.speed ?? 1, profile, seed: opts.seed, registry }),
    startDeepgramSimulator({ port: opts.ports?.deepgram ?? 0, speed: opts.speed ?? 1, profile, seed: opts.seed, registry, apiKeys: [SIMULATOR_CREDENTIALS.deepgramApiKey] }),
    startBedrockSimulator({
      port: opts.ports?.bedrock ?? 0,
      profile,
      seed: opts.seed,
      region: SIMULATOR_CREDENTIALS.awsRegion,
      credentials: [{ accessKeyId: SIMULATOR_CREDENTIALS.awsAccessKeyId, secretAccessKey: SIMULATOR_CREDENTIALS.awsSecretAccessKey }],
    }),
    startStripeSimulator({ port: opts.ports?.stripe ?? 0, speed: opts.speed ?? 1, apiKeys: [SIMULATOR_CREDENTIALS.stripeSecretKey] }),
    startIntegrationsSimulator({ port: opts.ports?.integrations ?? 0 }),
  ]);
  return {
    twilio,
    deepgram,
    bedrock,
    stripe,
    integrations,
    registry,
    close: async () => {
      await Promise.all([twilio.close(), deepgram.close(), bedrock.close(), stripe.close(), integrations.close()]);
    },
  };
}
