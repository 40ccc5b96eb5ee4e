export { startBedrockSimulator, type BedrockSimulator, type BedrockSimulatorOptions, type StreamFailure } from "./bedrock-simulator.ts";
export { DEFAULT_SCENARIO } from "./default-scenario.ts";
export { ScenarioSchema, STREAM_EXCEPTIONS, type Scenario, type ParsedScenario, type StreamExceptionName } from "./scenario.ts";
export type { RequestRecord, SimulatorStats } from "./request-log.ts";
export type { SimulatorCredential } from "./sigv4-verifier.ts";
export { encodeMessage, decodeMessage, EventStreamSplitter, type EventStreamMessage } from "./event-stream-codec.ts";
