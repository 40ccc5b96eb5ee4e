import { Router, type IRequest } from "itty-router";
import { ColdConnections } from "../common/cold-connections.ts";
import { LatencySampler, sleep, type LatencyProfile, type LatencyProfileName } from "../common/latency-profile.ts";
import { Random } from "../common/random.ts";
import { AwsError, type RequestErrorType } from "./aws-error.ts";
import { handleControl } from "./control-api.ts";
import { handleModelRequest, type SimulatorState } from "./converse-handler.ts";
import { DEFAULT_SCENARIO } from "./default-scenario.ts";
import { listenDualProtocol, type DualRequest, type DualResponse } from "./dual-protocol-server.ts";
import { FaultState } from "./fault-state.ts";
import { nodeResponder, type HttpResponder } from "./http-responder.ts";
import { PromptCache } from "./prompt-cache.ts";
import { ReasoningSigner } from "./reasoning-signature.ts";
import { RequestLog, type RequestRecord, type SimulatorStats } from "./request-log.ts";
import type { ParsedScenario, Scenario, StreamExceptionName } from "./scenario.ts";
import { ScenarioEngine } from "./scenario-engine.ts";
import type { SimulatorCredential } from "./sigv4-verifier.ts";

/** A local Amazon Bedrock Runtime (Converse + ConverseStream) speaking the real wire protocol. */
export interface BedrockSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default), localhost or ::1. */
  host?: string;
  /** The Region the SigV4 scope must name (default us-east-1). */
  region?: string;
  /** SigV4 credentials to verify against; without them any well-formed signature is accepted. */
  credentials?: SimulatorCredential[];
  /** Accepted Bedrock API keys (`Authorization: Bearer …`). */
  apiKeys?: string[];
  profile?: LatencyProfileName | LatencyProfile;
  seed?: number;
  scenario?: Scenario;
  /** Accept base model ids on demand (the real service requires an inference profile for these Claude models). */
  allowBaseModelIds?: boolean;
  /** Cache checkpoints with a shorter prefix are ignored (default 1024 tokens). */
  promptCacheMinTokens?: number;
}

export interface StreamFailure {
  afterEvents?: number;
  afterDeltas?: number;
  exception?: StreamExceptionName;
  message?: string;
}

export interface BedrockSimulator {
  readonly url: string;
  readonly port: number;
  readonly region: string;
  close(): Promise<void>;
  loadScenario(scenario: Scenario): void;
  resetScenario(): void;
  scenario(): ParsedScenario;
  /** HTTP 429 ThrottlingException for the next `count` model requests. */
  throttleNext(count: number, message?: string): void;
  /** Any error of protocol notes §5.6 (before the stream) for the next `count` model requests. */
  failNextRequests(count: number, error: RequestErrorType, message?: string): void;
  /** An exception frame in the next ConverseStream (default: modelStreamErrorException after 0 events). */
  failNextStream(failure?: StreamFailure): void;
  faults(): ReturnType<FaultState["snapshot"]>;
  setProfile(profile: LatencyProfileName | LatencyProfile): void;
  requests(): RequestRecord[];
  stats(): SimulatorStats;
  /** Clears the request log, armed faults, prompt cache and rule counters (keeps the scenario). */
  reset(): void;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);
const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** Route handlers answer through the responder and return this, so the router stops at the first that served. */
const SERVED = true;

interface ServiceRequest extends IRequest {
  raw: DualRequest;
  payload: Buffer;
}

export async function startBedrockSimulator(options: BedrockSimulatorOptions = {}): Promise<BedrockSimulator> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host)) throw new Error(`bedrock simulator binds to loopback only, not ${host}`);
  const seed = options.seed ?? 1;
  const state: SimulatorState = {
    region: options.region ?? "us-east-1",
    credentials: options.credentials,
    apiKeys: options.apiKeys,
    allowBaseModelIds: options.allowBaseModelIds ?? false,
    sampler: new LatencySampler(options.profile ?? "instant", seed),
    random: new Random(seed),
    signer: new ReasoningSigner(seed),
    engine: new ScenarioEngine(options.scenario ?? DEFAULT_SCENARIO),
    cache: new PromptCache(options.promptCacheMinTokens ?? 1024),
    faults: new FaultState(),
    log: new RequestLog(),
  };

  const simulator: BedrockSimulator = {
    url: "",
    port: 0,
    region: state.region,
    close: async () => {},
    loadScenario: (scenario) => void state.engine.load(scenario),
    resetScenario: () => void state.engine.load(DEFAULT_SCENARIO),
    scenario: () => structuredClone(state.engine.scenario),
    throttleNext: (count, message) => state.faults.throttleNext(count, message),
    failNextRequests: (count, error, message) => state.faults.failNextRequests(count, error, message),
    failNextStream: (failure = {}) =>
      state.faults.failNextStream({
        type: failure.exception ?? "modelStreamErrorException",
        message: failure.message,
        afterEvents: failure.afterEvents ?? (failure.afterDeltas === undefined ? 0 : undefined),
        afterDeltas: failure.afterDeltas,
      }),
    faults: () => state.faults.snapshot(),
    setProfile: (profile) => {
      state.sampler = new LatencySampler(profile, seed);
    },
    requests: () => state.log.list(),
    stats: () => state.log.stats(),
    reset: () => {
      state.log.clear();
      state.faults.clear();
      state.cache.clear();
      state.engine.resetCounters();
    },
  };

  const cold = new ColdConnections();
  const serveModel = (operation: "Converse" | "ConverseStream") => async (req: ServiceRequest, responder: HttpResponder) => {
    const { raw, payload, method } = req;
    // The handshake precedes the request on a real connection, so the service's own clock starts after it.
    if (cold.firstUse("stream" in raw ? raw.stream.session ?? raw.socket : raw.socket)) await sleep(state.sampler.draw(state.sampler.profile.connectHandshake));
    const receivedAtMs = performance.now();
    await handleModelRequest(state, { method, url: raw.url ?? "/", headers: raw.headers, body: payload, receivedAtMs }, responder, operation, req.params.modelId!);
    return SERVED;
  };
  const service = Router<ServiceRequest, [HttpResponder], typeof SERVED>();
  service
    .all("/__control/*", async ({ method, url, payload }, responder) => {
      const result = await handleControl(simulator, method, new URL(url).pathname, payload.length === 0 ? undefined : safeJson(payload.toString("utf8")));
      responder.send(result.status, { "content-type": "application/json" }, JSON.stringify(result.body));
      return SERVED;
    })
    .post("/model/:modelId/converse", serveModel("Converse"))
    .post("/model/:modelId/converse-stream", serveModel("ConverseStream"));

  const handler = (req: DualRequest, res: DualResponse) => {
    const responder = nodeResponder(res);
    readBody(req)
      .then(async (body) => {
        const served = await service.fetch({ method: req.method ?? "GET", url: `http://bedrock-runtime${req.url ?? "/"}`, raw: req, payload: body }, responder);
        if (served === undefined) {
          const error = new AwsError("UnknownOperationException", "Unknown operation");
          responder.send(error.status, { "content-type": "application/json", "x-amzn-errortype": error.headerValue }, error.body());
        }
      })
      .catch((error: unknown) => {
        const status = error instanceof BodyTooLarge ? 413 : 500;
        if (!responder.ended) responder.send(status, { "content-type": "application/json" }, JSON.stringify({ message: String(error) }));
      });
  };

  const server = await listenDualProtocol(handler, options.port ?? 0, host);
  const urlHost = host === "::1" ? "[::1]" : host;
  return Object.assign(simulator, { url: `http://${urlHost}:${server.port}`, port: server.port, close: server.close });
}

class BodyTooLarge extends Error {}

function readBody(req: DualRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new BodyTooLarge(`request body over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
