/**
 * Which providers `npm run dev` talks to. A simulator's own credentials (or none) keep the simulator; real keys in
 * .dev.vars switch that provider to the real service, with no other change to the platform's code.
 */
import { SIMULATOR_CREDENTIALS } from "../../simulators/index.ts";

export interface DevWiring {
  /** Worker vars that replace the simulator wiring. */
  vars: Record<string, string>;
  real: { twilio: boolean; deepgram: boolean; bedrock: boolean; stripe: boolean };
}

const isReal = (value: string | undefined, simulatorValue: string) => !!value && value !== simulatorValue;

export function devWiring(devVars: Record<string, string>): DevWiring {
  const deepgram = isReal(devVars.DEEPGRAM_API_KEY, SIMULATOR_CREDENTIALS.deepgramApiKey);
  const bedrock = isReal(devVars.AWS_ACCESS_KEY_ID, SIMULATOR_CREDENTIALS.awsAccessKeyId);
  // Real Twilio must reach this machine's webhooks: a public URL (a tunnel to the dev port) is what turns it on.
  // Tenants then store their real Account SID and auth token through the API, as in production.
  const twilio = !!devVars.PUBLIC_BASE_URL;
  // A real key (sk_test_… of your Stripe account) with the signing secret of an endpoint that reaches /stripe/webhook.
  const stripe = isReal(devVars.STRIPE_SECRET_KEY, SIMULATOR_CREDENTIALS.stripeSecretKey);
  const vars: Record<string, string> = {};
  if (deepgram) vars.DEEPGRAM_API_BASE_URL = devVars.DEEPGRAM_API_BASE_URL || "https://api.deepgram.com";
  if (bedrock) {
    // Empty: the AWS SDK's regional endpoint.
    vars.BEDROCK_ENDPOINT = devVars.BEDROCK_ENDPOINT ?? "";
    vars.BEDROCK_REGION = devVars.BEDROCK_REGION || "us-east-1";
  }
  if (twilio) {
    vars.PUBLIC_BASE_URL = devVars.PUBLIC_BASE_URL!.replace(/\/+$/, "");
    vars.TWILIO_API_BASE_URL = devVars.TWILIO_API_BASE_URL || "https://api.twilio.com";
    vars.TWILIO_TRUSTHUB_BASE_URL = devVars.TWILIO_TRUSTHUB_BASE_URL || "https://trusthub.twilio.com";
  }
  if (stripe) vars.STRIPE_API_BASE_URL = devVars.STRIPE_API_BASE_URL || "https://api.stripe.com";
  return { vars, real: { twilio, deepgram, bedrock, stripe } };
}

/** `KEY=value` lines (optionally quoted); comments and blank lines ignored. */
export function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
  }
  return vars;
}
