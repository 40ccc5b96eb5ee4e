import { describe, expect, it } from "vitest";
import { SIMULATOR_CREDENTIALS } from "../../simulators/index.ts";
import { devWiring, parseDevVars } from "./dev-wiring.ts";

const secrets = { ENCRYPTION_KEY: "dev:x", JWT_SECRET: "j", OPERATOR_SECRET: "o" };

describe("npm run dev's provider wiring", () => {
  it("keeps every simulator with the generated .dev.vars or the simulators' own credentials", () => {
    expect(devWiring(secrets)).toEqual({ vars: {}, real: { twilio: false, deepgram: false, bedrock: false, stripe: false } });
    const simCreds = { ...secrets, DEEPGRAM_API_KEY: SIMULATOR_CREDENTIALS.deepgramApiKey, AWS_ACCESS_KEY_ID: SIMULATOR_CREDENTIALS.awsAccessKeyId };
    expect(devWiring(simCreds).real).toEqual({ twilio: false, deepgram: false, bedrock: false, stripe: false });
  });

  it("switches each provider to the real service when real credentials are present", () => {
    expect(devWiring({ ...secrets, DEEPGRAM_API_KEY: "dg-real" })).toEqual({
      vars: { DEEPGRAM_API_BASE_URL: "https://api.deepgram.com" },
      real: { twilio: false, deepgram: true, bedrock: false, stripe: false },
    });
    expect(devWiring({ ...secrets, AWS_ACCESS_KEY_ID: "AKIAREAL", AWS_SECRET_ACCESS_KEY: "s", BEDROCK_REGION: "eu-central-1" })).toEqual({
      vars: { BEDROCK_ENDPOINT: "", BEDROCK_REGION: "eu-central-1" },
      real: { twilio: false, deepgram: false, bedrock: true, stripe: false },
    });
    expect(devWiring({ ...secrets, PUBLIC_BASE_URL: "https://abc.trycloudflare.com/" })).toEqual({
      vars: { PUBLIC_BASE_URL: "https://abc.trycloudflare.com", TWILIO_API_BASE_URL: "https://api.twilio.com", TWILIO_TRUSTHUB_BASE_URL: "https://trusthub.twilio.com" },
      real: { twilio: true, deepgram: false, bedrock: false, stripe: false },
    });
  });

  it("switches payments to Stripe itself with a real Stripe key", () => {
    expect(devWiring({ ...secrets, STRIPE_SECRET_KEY: SIMULATOR_CREDENTIALS.stripeSecretKey }).real.stripe).toBe(false);
    expect(devWiring({ ...secrets, STRIPE_SECRET_KEY: "sk_test_real", STRIPE_WEBHOOK_SECRET: "whsec_x" })).toEqual({
      vars: { STRIPE_API_BASE_URL: "https://api.stripe.com" },
      real: { twilio: false, deepgram: false, bedrock: false, stripe: true },
    });
  });

  it("parses .dev.vars lines, quotes and comments", () => {
    expect(parseDevVars('# comment\nA=1\n B = "two words" \n\nlower=ignored\nC=\n')).toEqual({ A: "1", B: "two words", C: "" });
  });
});
