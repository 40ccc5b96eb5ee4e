/** Local Deepgram simulator: live STT (`/v1/listen`) and Aura-2 TTS (`/v1/speak`, WebSocket and REST). */
export { startDeepgramSimulator, type DeepgramSimulator, type DeepgramSimulatorOptions } from "./deepgram-simulator.ts";
export { DEFAULT_LISTEN_TIMING, type ListenTiming } from "./listen-timing.ts";
export { parseListenParams, keytermTokens, KEYTERM_TOKEN_LIMIT, LISTEN_MODELS, type ListenParams } from "./listen-params.ts";
export { parseSpeakParams, SPEAK_MODELS, type SpeakParams } from "./speak-params.ts";
export { SPEAK_LIMITS } from "./speak-limits.ts";
export { EnergyVad, type VadFrame, type VadOptions } from "./energy-vad.ts";
export type { DeepgramStats } from "./simulator-stats.ts";
export { UtteranceRegistry } from "../common/utterance-registry.ts";
