import { parseArgs } from "node:util";
import { LATENCY_PROFILE_NAMES, type LatencyProfileName } from "../common/latency-profile.ts";
import { startTwilioSimulator } from "./simulator.ts";

/**
 * Runs the Twilio simulator on its own for local development:
 *   node simulators/twilio/main.ts --port 4010 --speed 1 --profile realistic --account AC…:token --number +14155550123=http://127.0.0.1:8787/twilio/voice
 * Then drive it through /__control (see control-api.ts) or the REST API.
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4010" },
    host: { type: "string", default: "127.0.0.1" },
    speed: { type: "string", default: "1" },
    profile: { type: "string", default: "instant" },
    seed: { type: "string", default: "1" },
    account: { type: "string", multiple: true },
    number: { type: "string", multiple: true },
  },
});

const profile = values.profile as LatencyProfileName;
if (!LATENCY_PROFILE_NAMES.includes(profile)) {
  console.error(`unknown profile ${profile}; use one of ${LATENCY_PROFILE_NAMES.join(", ")}`);
  process.exit(2);
}
const sim = await startTwilioSimulator({ port: Number(values.port), host: values.host, speed: Number(values.speed), profile, seed: Number(values.seed) });
const accounts = (values.account ?? []).map((spec) => {
  const [accountSid, authToken] = spec.split(":");
  return sim.addAccount({ ...(accountSid ? { accountSid } : {}), ...(authToken ? { authToken } : {}) });
});
if (accounts.length === 0) accounts.push(sim.addAccount());
for (const spec of values.number ?? []) {
  const [phoneNumber, voiceUrl] = spec.split("=");
  sim.addNumber({ accountSid: accounts[0]!.accountSid, ...(phoneNumber ? { phoneNumber } : {}), ...(voiceUrl ? { voiceUrl } : {}) });
}
console.log(`Twilio simulator (${profile}) on ${sim.url} (speed ${sim.speed})`);
for (const a of accounts) console.log(`  account ${a.accountSid} token ${a.authToken}`);

const shutdown = () => void sim.close().then(() => process.exit(0));
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
