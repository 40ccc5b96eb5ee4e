import type { TestProject } from "vitest/node";
import { startSimulators } from "../../simulators/index.ts";
import { SIMULATOR_PORTS } from "./simulator-ports.ts";

/** Runs the provider simulators for the workerd tests on the ports vitest.config.ts handed to the Worker. */
export default async function setup(_project: TestProject) {
  const sims = await startSimulators({ profile: "instant", speed: 20, ports: SIMULATOR_PORTS });
  return () => sims.close();
}
