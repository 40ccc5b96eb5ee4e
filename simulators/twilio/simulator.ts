import { Router, type IRequest } from "itty-router";
import { createServer, type ServerResponse } from "node:http";
import { assertLoopback, closeServer, listenOn, readBody } from "../common/loopback-http-server.ts";
import type { LatencyProfile, LatencyProfileName } from "../common/latency-profile.ts";
import type { UtteranceRegistry } from "../common/utterance-registry.ts";
import { placeInboundCall, type InboundCallRequest } from "./call-factory.ts";
import type { CallRecording, CallStatus } from "./call-recording.ts";
import { handleControlRequest } from "./control-api.ts";
import type { PhoneNumberConfig } from "./phone-number-resource.ts";
import { searchAvailableNumbers } from "./phone-numbers.ts";
import { TwilioNetwork, type DropWindow } from "./network-conditions.ts";
import { handleRestRequest, type RestResponse } from "./rest-router.ts";
import { handleTrustHubRequest, TRUSTHUB_PREFIX } from "./trust-hub-rest.ts";
import type { SpeechSynthesizer } from "./script-runner.ts";
import { TwilioState, type Account } from "./simulator-state.ts";

export interface TwilioSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  host?: string;
  /** Call-clock speed: 1 is real time; 10 plays ten seconds of call per second. */
  speed?: number;
  /**
   * Twilio's network delays (webhook delivery, media transit) and, under `jittery`, dropped media sockets; see
   * network-conditions.ts. Call progress (ringMs, amdDurationMs) is scripted per call.
   */
  profile?: LatencyProfileName | LatencyProfile;
  seed?: number;
  /** When the profile drops a media socket, it happens this long after the stream opens (default 2–20 s). */
  mediaDropWindowMs?: DropWindow;
  /** How long a webhook may take to answer before it fails with 11205 (default 15 s, Twilio's; wall-clock). */
  webhookTimeoutMs?: number;
  registry?: UtteranceRegistry;
  accounts?: Account[];
  /** Replaces the caller's speech synthesiser (tests). */
  synthesize?: SpeechSynthesizer;
}

export interface AddNumberOptions extends Partial<PhoneNumberConfig> {
  accountSid: string;
  /** E.164; the first free simulated 415 number when omitted. */
  phoneNumber?: string;
}

export interface CallHandle {
  callSid: string;
  ended: Promise<CallRecording>;
}

export interface CallSummary {
  callSid: string;
  accountSid: string;
  direction: string;
  from: string;
  to: string;
  status: CallStatus;
}

export interface TwilioSimulator {
  readonly url: string;
  /** Trust Hub's base URL (trusthub.twilio.com in production): `<url>/trusthub`. */
  readonly trustHubUrl: string;
  readonly port: number;
  readonly host: string;
  readonly speed: number;
  readonly profile: LatencyProfileName | LatencyProfile;
  readonly state: TwilioState;
  addAccount(account?: Partial<Account>): Account;
  /** Provisions an IncomingPhoneNumber; returns its REST JSON. */
  addNumber(opts: AddNumberOptions): Record<string, unknown>;
  /** The script that answers outbound (REST-created) calls to `to`. */
  setCalleeScript(to: string, script: unknown): void;
  /** Rings an owned number with a scripted caller. */
  startInboundCall(request: InboundCallRequest): Promise<CallHandle>;
  getCall(callSid: string): CallRecording | undefined;
  listCalls(): CallSummary[];
  /** Resolves with the final recording once the call has ended and its callbacks were delivered. */
  waitForCallEnd(callSid: string, timeoutMs?: number): Promise<CallRecording>;
  /** The caller hangs up. */
  hangUp(callSid: string): Promise<void>;
  close(): Promise<void>;
}

interface ServiceRequest extends IRequest {
  payload: string;
  authorization: string | undefined;
  range: string | undefined;
}
function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (body === null || status === 204) {
    res.writeHead(status, headers).end();
    return;
  }
  // Recording media: raw bytes, with the headers the route set.
  if (body instanceof Uint8Array) {
    res.writeHead(status, headers).end(body);
    return;
  }
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body));
}

/** Starts the Twilio simulator: REST API under /2010-04-01, Trust Hub under /trusthub/v1, control API under /__control, on loopback. */
export async function startTwilioSimulator(opts: TwilioSimulatorOptions = {}): Promise<TwilioSimulator> {
  const host = opts.host ?? "127.0.0.1";
  assertLoopback(host, "Twilio");
  const speed = opts.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
  const network = new TwilioNetwork(opts.profile ?? "instant", opts.seed ?? 1, opts.mediaDropWindowMs, opts.webhookTimeoutMs);
  const state = new TwilioState({ speed, registry: opts.registry, synthesize: opts.synthesize, network });
  for (const account of opts.accounts ?? []) state.addAccount(account);

  let sim: TwilioSimulator;
  const service = Router<ServiceRequest, [], RestResponse>();
  service
    .all("/__control/*", ({ method, url, payload }) => {
      const { pathname, searchParams } = new URL(url);
      return handleControlRequest(sim, method, pathname, searchParams, payload);
    })
    .all(`${TRUSTHUB_PREFIX}/*`, ({ method, url, payload, authorization }) => {
      const { pathname, searchParams } = new URL(url);
      return handleTrustHubRequest(state, { method, path: pathname, query: searchParams, authorization, body: payload });
    })
    .all("*", ({ method, url, payload, authorization, range }) => {
      const { pathname, searchParams } = new URL(url);
      return handleRestRequest(state, { method, path: pathname, query: searchParams, authorization, body: payload, range });
    });
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const out = await service.fetch({ method: req.method ?? "GET", url: new URL(req.url ?? "/", "http://simulator").href, payload: body, authorization: req.headers.authorization, range: req.headers.range });
      send(res, out.status, out.body, out.headers);
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { code: 20500, message: `Internal simulator error: ${(err as Error).message}`, more_info: "https://www.twilio.com/docs/errors/20500", status: 500 });
    });
  });
  const { port, url } = await listenOn(server, host, opts.port ?? 0);

  sim = {
    url,
    trustHubUrl: url + TRUSTHUB_PREFIX,
    port,
    host,
    speed,
    profile: opts.profile ?? "instant",
    state,
    addAccount: (account) => state.addAccount(account),
    addNumber: ({ accountSid, phoneNumber, ...config }) => {
      const owned = new Set([...state.numbers.values()].map((n) => n.phoneNumber));
      const chosen = phoneNumber ?? searchAvailableNumbers({ country: "US", limit: 1, owned })[0]!.phone_number;
      return state.addNumber(accountSid, chosen, config).toJSON();
    },
    setCalleeScript: (to, script) => void state.setCalleeScript(to, script),
    startInboundCall: async (request) => {
      const call = await placeInboundCall(state, request);
      return { callSid: call.sid, ended: call.ended };
    },
    getCall: (callSid) => state.calls.get(callSid)?.snapshot(),
    listCalls: () =>
      [...state.calls.values()].map((c) => ({ callSid: c.sid, accountSid: c.accountSid, direction: c.direction, from: c.from, to: c.to, status: c.status })),
    waitForCallEnd: async (callSid, timeoutMs = 60_000) => {
      const call = state.calls.get(callSid);
      if (!call) throw new Error(`call ${callSid} not found`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`call ${callSid} did not end within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        return await Promise.race([call.ended, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    hangUp: async (callSid) => {
      await state.calls.get(callSid)?.hangupByCaller();
    },
    close: async () => {
      await Promise.all([...state.calls.values()].map((c) => c.end(c.status === "in-progress" ? "completed" : "canceled", "simulator-closed")));
      await state.messages.settle();
      await closeServer(server);
    },
  };
  return sim;
}
