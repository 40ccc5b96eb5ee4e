import { parseArgs } from "node:util";
import { LATENCY_PROFILE_NAMES, type LatencyProfileName } from "../common/latency-profile.ts";
import { startDeepgramSimulator } from "./deepgram-simulator.ts";

/**
 * Runs the simulator for local development:
 *   node simulators/deepgram/serve.ts --port 8788 --profile realistic --api-key test-deepgram-key
 * Point the platform's Deepgram base URL at the printed address.
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8788" },
    profile: { type: "string", default: "realistic" },
    seed: { type: "string", default: "1" },
    "api-key": { type: "string", multiple: true },
  },
});
const profile = values.profile as LatencyProfileName;
if (!LATENCY_PROFILE_NAMES.includes(profile)) throw new Error(`unknown profile ${profile}`);
const sim = await startDeepgramSimulator({ port: Number(values.port), profile, seed: Number(values.seed), apiKeys: values["api-key"] ?? [] });
console.log(`Deepgram simulator (${profile}) on ${sim.url} — control API at ${sim.url}/__control/stats`);
const stop = (): void => void sim.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
