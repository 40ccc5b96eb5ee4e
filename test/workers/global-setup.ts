import type { TestProject } from "vitest/node";
import { startLocalPostgres } from "../../scripts/lib/local-postgres.ts";
import { SIMULATOR_CREDENTIALS, startSimulators } from "../../simulators/index.ts";
import { startBedrockSimulator } from "../../simulators/bedrock/index.ts";
import { startDeepgramSimulator } from "../../simulators/deepgram/index.ts";
import { startToolServer } from "../node/tool-server.ts";
import { DEEPGRAM_ACCELERATED_SPEED, SIMULATOR_PORTS } from "./simulator-ports.ts";

/** The running simulators, shared by the projects that set up in this process (workers and workers-clock). */
const SHARED = Symbol.for("aybiza.workers-test-services");
type Shared = { started: Promise<() => Promise<void>>; users: number };

/**
 * Runs the provider simulators and the Postgres tier for the workerd tests on the ports vitest.config.ts handed to the
 * Worker: once per test run, whichever workerd project sets up first, closed when the last one tears down.
 */
export default async function setup(_project: TestProject) {
  const holder = globalThis as unknown as Record<symbol, Shared | undefined>;
  const shared = (holder[SHARED] ??= { started: startServices(), users: 0 });
  shared.users++;
  const close = await shared.started;
  return async () => {
    if (--shared.users > 0) return;
    holder[SHARED] = undefined;
    await close();
  };
}

async function startServices(): Promise<() => Promise<void>> {
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
