import type { AmdOptions } from "./answering-machine.ts";
import { SimulatedCall } from "./call.ts";
import type { RecordingOptions } from "./call-recording-resource.ts";
import { parseCallerScript, type CallerScript } from "./caller-script.ts";
import { isSipAddress, sipUser } from "./phone-numbers.ts";
import { prepareUtterances } from "./script-runner.ts";
import { newSid } from "./sids.ts";
import type { TwilioState } from "./simulator-state.ts";
import type { StatusCallbackConfig } from "./status-callbacks.ts";
import type { TwimlSource } from "./twiml-runner.ts";

export interface InboundCallRequest {
  /** The caller's number (E.164) or SIP address; defaults to the script's `from`, then +14155550100. */
  from?: string;
  /** An owned number (or a SIP URI whose user part is one); its VoiceUrl answers the call. Defaults to the script's `to`. */
  to?: string;
  /** Caller script: an object, a list of steps, or JSON/YAML text. */
  script?: unknown;
  /** Present `From`/`To` as SIP URIs, as a SIP-domain call would. */
  sip?: boolean | { domain?: string; fromHost?: string };
}

export class InboundCallError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "InboundCallError";
    this.status = status;
  }
}

function sipAddresses(from: string, to: string, sip: InboundCallRequest["sip"]): { from: string; to: string } {
  if (!sip) return { from, to };
  const opts = typeof sip === "object" ? sip : {};
  return {
    from: isSipAddress(from) ? from : `sip:${from}@${opts.fromHost ?? "198.51.100.10"}`,
    to: isSipAddress(to) ? to : `sip:${to}@${opts.domain ?? "simulator.sip.twilio.com"}`,
  };
}

/** Rings an owned number: the simulator plays the caller, the number's VoiceUrl the application. */
export async function placeInboundCall(state: TwilioState, request: InboundCallRequest): Promise<SimulatedCall> {
  const script = parseCallerScript(request.script ?? {});
  const dialled = request.to ?? script.to;
  if (!dialled) throw new InboundCallError(400, "an inbound call needs `to` (in the request or the script)");
  const number = state.numberByPhone(sipUser(dialled)) ?? state.numberByPhone(dialled);
  if (!number) throw new InboundCallError(404, `${dialled} is not an IncomingPhoneNumber of any account`);
  const voiceUrl = number.config.voiceUrl;
  if (!voiceUrl) throw new InboundCallError(400, `${number.phoneNumber} has no VoiceUrl`);
  const account = state.accounts.get(number.accountSid)!;
  const { from, to } = sipAddresses(request.from ?? script.from ?? "+14155550100", number.phoneNumber, request.sip);
  const fallback = number.config.voiceFallbackUrl ? { url: number.config.voiceFallbackUrl, method: number.config.voiceFallbackMethod } : null;
  const statusCallback: StatusCallbackConfig | null = number.config.statusCallback
    ? { url: number.config.statusCallback, method: number.config.statusCallbackMethod, events: new Set(["completed"]) }
    : null;
  return launch(state, script, {
    accountSid: account.accountSid,
    authToken: account.authToken,
    direction: "inbound",
    from,
    to,
    phoneNumberSid: number.sid,
    source: { kind: "url", url: voiceUrl, method: number.config.voiceMethod, webhook: "voice", fallback },
    statusCallback,
    amd: null,
    record: null,
    timeLimitSec: 14_400,
  });
}

export interface OutboundCallRequest {
  accountSid: string;
  from: string;
  to: string;
  source: TwimlSource;
  statusCallback: StatusCallbackConfig | null;
  amd: AmdOptions | null;
  record: RecordingOptions | null;
  timeLimitSec: number;
  phoneNumberSid: string | null;
}

/** A REST-created call: the simulator plays the callee, using the script registered for `to`. */
export async function placeOutboundCall(state: TwilioState, request: OutboundCallRequest): Promise<SimulatedCall> {
  const account = state.accounts.get(request.accountSid)!;
  return launch(state, state.calleeScript(request.to), { ...request, authToken: account.authToken, direction: "outbound-api" });
}

type LaunchInit = Omit<ConstructorParameters<typeof SimulatedCall>[0], "sid" | "script" | "utterances" | "speed" | "registry" | "conferences" | "network">;

async function launch(state: TwilioState, script: CallerScript, init: LaunchInit): Promise<SimulatedCall> {
  const utterances = await prepareUtterances(script, state.options.synthesize);
  const call = new SimulatedCall({ ...init, sid: newSid("CA"), script, utterances, speed: state.options.speed, registry: state.options.registry, conferences: state.conferences, network: state.options.network });
  state.calls.set(call.sid, call);
  call.start();
  return call;
}
