import type { LatencyProfile, LatencyProfileName } from "../../common/latency-profile.ts";
import type { UtteranceRegistry } from "../../common/utterance-registry.ts";
import type { InboundCallRequest } from "../call-factory.ts";
import type { DropWindow } from "../network-conditions.ts";
import type { Account } from "../simulator-state.ts";
import { startTwilioSimulator, type CallHandle, type TwilioSimulator } from "../simulator.ts";
import { fakeSynthesize, startFakePlatform, type FakePlatform } from "./fake-platform.ts";

/** A simulator, a fake platform, one account and one number whose VoiceUrl is the platform's `/voice`. */
export interface Harness {
  sim: TwilioSimulator;
  platform: FakePlatform;
  account: Account;
  number: string;
  ring(script?: unknown, extra?: Partial<InboundCallRequest>): Promise<CallHandle>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  speed?: number;
  registry?: UtteranceRegistry;
  realSpeech?: boolean;
  profile?: LatencyProfileName | LatencyProfile;
  seed?: number;
  mediaDropWindowMs?: DropWindow;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const platform = await startFakePlatform();
  const sim = await startTwilioSimulator({
    speed: opts.speed ?? 10,
    profile: opts.profile ?? "instant",
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.mediaDropWindowMs ? { mediaDropWindowMs: opts.mediaDropWindowMs } : {}),
    ...(opts.registry ? { registry: opts.registry } : {}),
    ...(opts.realSpeech ? {} : { synthesize: fakeSynthesize() }),
  });
  const account = sim.addAccount();
  const number = "+14155550123";
  sim.addNumber({ accountSid: account.accountSid, phoneNumber: number, voiceUrl: `${platform.url}/voice`, statusCallback: `${platform.url}/number-status` });
  return {
    sim,
    platform,
    account,
    number,
    ring: (script, extra) => sim.startInboundCall({ from: "+14155550999", to: number, script, ...extra }),
    close: async () => {
      await sim.close();
      await platform.close();
    },
  };
}

/** `<Connect><Stream>` TwiML pointing at the fake platform. */
export function connectTwiml(platform: FakePlatform, opts: { path?: string; action?: string; params?: Record<string, string>; statusCallback?: string } = {}): string {
  const params = Object.entries(opts.params ?? {}).map(([k, v]) => `<Parameter name="${k}" value="${v}"/>`).join("");
  const action = opts.action ? ` action="${platform.url}${opts.action}"` : "";
  const status = opts.statusCallback ? ` statusCallback="${platform.url}${opts.statusCallback}"` : "";
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Connect${action}><Stream url="${platform.wsUrl}${opts.path ?? "/media"}"${status}>${params}</Stream></Connect></Response>`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
