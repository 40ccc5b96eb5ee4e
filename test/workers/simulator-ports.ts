import { localPostgresConfig } from "../../scripts/lib/local-postgres.ts";
import { freePort } from "../../simulators/common/free-port.ts";

/**
 * Chosen once when the config loads, so the Worker's bindings and the global setup agree. Vitest evaluates this
 * module separately for the config and for the global setup (two module graphs, one process), so the first
 * evaluation hands its choice to the later ones through the environment.
 */
const HANDOFF = "VOICE_PLATFORM_SIMULATOR_PORTS";
const inherited = process.env[HANDOFF];

export const SIMULATOR_PORTS: { twilio: number; deepgram: number; bedrock: number; bedrockIsolated: number; deepgramIsolated: number; deepgramAccelerated: number; toolServer: number; postgres: number; postgresBridge: number; stripe: number; integrations: number } = inherited
  ? JSON.parse(inherited)
  : { twilio: await freePort(), deepgram: await freePort(), bedrock: await freePort(), stripe: await freePort(), bedrockIsolated: await freePort(), deepgramIsolated: await freePort(), deepgramAccelerated: await freePort(), toolServer: await freePort(), postgres: await freePort(), postgresBridge: await freePort(), integrations: await freePort() };
process.env[HANDOFF] = JSON.stringify(SIMULATOR_PORTS);

/** Call-clock speed of the `deepgramAccelerated` simulator. */
export const DEEPGRAM_ACCELERATED_SPEED = 300;

export const simulatorUrls = {
  twilio: `http://127.0.0.1:${SIMULATOR_PORTS.twilio}`,
  deepgram: `http://127.0.0.1:${SIMULATOR_PORTS.deepgram}`,
  bedrock: `http://127.0.0.1:${SIMULATOR_PORTS.bedrock}`,
  stripe: `http://127.0.0.1:${SIMULATOR_PORTS.stripe}`,
  /** A second Bedrock simulator for the Bedrock client's own tests, whose scenarios and armed faults are global. */
  bedrockIsolated: `http://127.0.0.1:${SIMULATOR_PORTS.bedrockIsolated}`,
  /** A second Deepgram simulator for the Deepgram clients' own tests (socket drops are global to a simulator). */
  deepgramIsolated: `http://127.0.0.1:${SIMULATOR_PORTS.deepgramIsolated}`,
  /** A Deepgram simulator on an accelerated call clock (DEEPGRAM_ACCELERATED_SPEED): its speak limits' windows (60 s, 2 min, 60 min) pass that much faster. */
  deepgramAccelerated: `http://127.0.0.1:${SIMULATOR_PORTS.deepgramAccelerated}`,
  /** test/node/tool-server.ts: the HTTP tool executor's webhook stand-in. */
  toolServer: `http://127.0.0.1:${SIMULATOR_PORTS.toolServer}`,
  /** simulators/integrations/: the Slack, HubSpot and Cal.com stand-ins on one port. */
  integrations: `http://127.0.0.1:${SIMULATOR_PORTS.integrations}`,
};

/** The embedded Postgres and its WebSocket bridge (global-setup.ts starts them): the Worker's DATABASE_URL and PG_WS_PROXY. */
export const postgresBindings = localPostgresConfig(SIMULATOR_PORTS.postgres, SIMULATOR_PORTS.postgresBridge);
