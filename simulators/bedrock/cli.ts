import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { LATENCY_PROFILE_NAMES, type LatencyProfileName } from "../common/latency-profile.ts";
import { startBedrockSimulator } from "./bedrock-simulator.ts";

/**
 * Runs the simulator for local development:
 *   node simulators/bedrock/cli.ts --port 4010 --profile realistic [--scenario my.json]
 *     [--access-key-id AKID --secret-access-key SECRET] [--region us-east-1] [--seed 1] [--allow-base-model-ids]
 * Without credentials any well-formed SigV4 signature is accepted.
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4010" },
    host: { type: "string", default: "127.0.0.1" },
    region: { type: "string", default: "us-east-1" },
    profile: { type: "string", default: "realistic" },
    seed: { type: "string", default: "1" },
    scenario: { type: "string" },
    "access-key-id": { type: "string" },
    "secret-access-key": { type: "string" },
    "allow-base-model-ids": { type: "boolean", default: false },
  },
});

const profile = values.profile as LatencyProfileName;
if (!LATENCY_PROFILE_NAMES.includes(profile)) throw new Error(`unknown profile ${profile}`);
const accessKeyId = values["access-key-id"];
const secretAccessKey = values["secret-access-key"];
if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) throw new Error("give both --access-key-id and --secret-access-key");

const simulator = await startBedrockSimulator({
  port: Number(values.port),
  host: values.host,
  region: values.region,
  profile,
  seed: Number(values.seed),
  scenario: values.scenario === undefined ? undefined : JSON.parse(await readFile(values.scenario, "utf8")),
  credentials: accessKeyId && secretAccessKey ? [{ accessKeyId, secretAccessKey }] : undefined,
  allowBaseModelIds: values["allow-base-model-ids"],
});
console.log(`bedrock simulator on ${simulator.url} (region ${simulator.region}, profile ${profile}); control at ${simulator.url}/__control/stats`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void simulator.close().then(() => process.exit(0));
  });
}
