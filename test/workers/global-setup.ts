import type { TestProject } from "vitest/node";
import { startLocalPostgres } from "../../scripts/lib/local-postgres.ts";
import { SIMULATOR_CREDENTIALS, startSimulators } from "../../simulators/index.ts";
import { startBedrockSimulator } from "../../simulators/bedrock/index.ts";
import { startDeepgramSimulator } from "../../simulators/deepgram/index.ts";
import { startToolServer } from "../node/tool-server.ts";
import { DEEPGRAM_ACCELERATED_SPEED, SIMULATOR_PORTS } from "./simulator-ports.ts";

/** Runs the provider simulators and the Postgres tier for the workerd tests on the ports vitest.config.ts handed to the Worker. */
export default async function setup(_project: TestProject) {
  // A real Postgres, migrated, behind the bridge the Worker's Neon driver connects through (shared by all test files).
  const postgres = startLocalPostgres({ port: SIMULATOR_PORTS.postgres, bridgePort: SIMULATOR_PORTS.postgresBridge });
  const sims = await startSimulators({ profile: "instant", speed: 20, ports: SIMULATOR_PORTS });
  // The Bedrock client's tests load scenarios and arm faults, which are global to a simulator: they get their own.
  const bedrockIsolated = await startBedrockSimulator({
    port: SIMULATOR_PORTS.bedrockIsolated,
    profile: "instant",
    region: SIMULATOR_CREDENTIALS.awsRegion,
    credentials: [{ accessKeyId: SIMULATOR_CREDENTIALS.awsAccessKeyId, secretAccessKey: SIMULATOR_CREDENTIALS.awsSecretAccessKey }],
  });
  // Likewise the Deepgram clients' tests, which arm socket drops: calls started by other tests must not take them.
  const deepgramIsolated = await startDeepgramSimulator({ port: SIMULATOR_PORTS.deepgramIsolated, profile: "instant", apiKeys: [SIMULATOR_CREDENTIALS.deepgramApiKey] });
  const deepgramAccelerated = await startDeepgramSimulator({ port: SIMULATOR_PORTS.deepgramAccelerated, profile: "instant", speed: DEEPGRAM_ACCELERATED_SPEED, apiKeys: [SIMULATOR_CREDENTIALS.deepgramApiKey] });
  const toolServer = await startToolServer(SIMULATOR_PORTS.toolServer);
  const pg = await postgres;
  return async () => {
    await Promise.all([sims.close(), bedrockIsolated.close(), deepgramIsolated.close(), deepgramAccelerated.close(), toolServer.close(), pg.close()]);
  };
}
