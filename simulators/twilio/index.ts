/** Public surface of the Twilio simulator. */
export { startTwilioSimulator } from "./simulator.ts";
export type { AddNumberOptions, CallHandle, CallSummary, TwilioSimulator, TwilioSimulatorOptions } from "./simulator.ts";
export type { InboundCallRequest } from "./call-factory.ts";
export type { Account } from "./simulator-state.ts";
export { parseCallerScript, callerScriptSchema, CallerScriptError } from "./caller-script.ts";
export type { AnsweredBy, CallerScript, CallerScriptInput, CallerStep } from "./caller-script.ts";
export type {
  AgentAudioSegment,
  CallDirection,
  CallEndReason,
  CallRecording,
  CallStatus,
  CallerTurn,
  ClearRecord,
  DebuggerEvent,
  DtmfRecord,
  MarkRecord,
  StreamRecord,
  VerbRecord,
  WebhookRecord,
} from "./call-recording.ts";
export { parseTwiml } from "./twiml.ts";
export type { TwimlVerb, TwimlParseResult } from "./twiml.ts";
export { TwilioApiError } from "./twilio-api-error.ts";
