import { freePort } from "../../simulators/common/free-port.ts";

/** Chosen once when the config loads, so the Worker's bindings and the global setup agree. */
export const SIMULATOR_PORTS = { twilio: await freePort(), deepgram: await freePort(), bedrock: await freePort() };

export const simulatorUrls = {
  twilio: `http://127.0.0.1:${SIMULATOR_PORTS.twilio}`,
  deepgram: `http://127.0.0.1:${SIMULATOR_PORTS.deepgram}`,
  bedrock: `http://127.0.0.1:${SIMULATOR_PORTS.bedrock}`,
};
