import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { Router, type IRequest } from "itty-router";
import { WebSocketServer, type WebSocket } from "ws";
import { ColdConnections } from "../common/cold-connections.ts";
import { LatencySampler, sleep, type LatencyProfile, type LatencyProfileName } from "../common/latency-profile.ts";
import { Random } from "../common/random.ts";
import { UtteranceRegistry } from "../common/utterance-registry.ts";
import { isAuthorized, readCredential, type Credential } from "./auth.ts";
import { handleControl, type ControlTarget } from "./control-api.ts";
import { DeepgramHttpError, invalidAuth, rejectUpgrade, sendHttpError } from "./deepgram-error.ts";
import { parseFluxParams } from "./flux-params.ts";
import { FluxSession } from "./flux-session.ts";
import { DEFAULT_FLUX_TIMING, type FluxTiming } from "./flux-turns.ts";
import { parseListenParams } from "./listen-params.ts";
import { ListenSession } from "./listen-session.ts";
import { DEFAULT_LISTEN_TIMING, type ListenTiming } from "./listen-timing.ts";
import { listenModelInfo, speakModelInfo } from "./model-info.ts";
import { parseSpeakParams } from "./speak-params.ts";
import { handleSpeakRest } from "./speak-rest.ts";
import { SimClock, SPEAK_LIMITS } from "./speak-limits.ts";
import { SpeakSession } from "./speak-session.ts";
import { emptyStats, type DeepgramStats } from "./simulator-stats.ts";

interface HttpRequest extends IRequest {
  raw: IncomingMessage;
}

export interface DeepgramSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only; the simulator has no business listening elsewhere. */
  host?: string;
  /** Keys accepted as `Token <key>`; when empty or absent, any non-empty key is accepted. */
  apiKeys?: string[];
  profile?: LatencyProfileName | LatencyProfile;
  seed?: number;
  registry?: UtteranceRegistry;
  /** No client frame for this long closes a listen socket with 1011 NET-0001 (Deepgram: about 10 s). */
  idleTimeoutMs?: number;
  /** Speech audio between interim results (default 500 ms). */
  interimIntervalMs?: number;
  /** Further listen timing knobs (span length, silence finals, VAD hangover; the VAD and idle timeout serve Flux too). */
  listenTiming?: Partial<ListenTiming>;
  /** Flux (`/v2/listen`) knobs that are not latencies: Update cadence, speech before StartOfTurn. */
  fluxTiming?: Partial<FluxTiming>;
  /** Speak audio streamed per wall-clock ms; default unpaced for `instant`, 4× real time otherwise. */
  speakRealtimeFactor?: number;
  /** Audio per speak binary frame (default 100 ms). */
  speakFrameMs?: number;
  /** Call-clock speed (1 = real time): the speak socket's limit windows and its 60-minute cap run on call time. */
  speed?: number;
  /** Speak sockets open at once per project (Deepgram: 40 Pay-as-you-go, 80 Growth); more are refused with 429. */
  maxConcurrentSpeakSockets?: number;
  /** When the profile drops a socket (jittery), it happens this long after opening (default 1–10 s). */
  socketDropWindowMs?: { minMs: number; maxMs: number };
}

export interface DeepgramSimulator {
  /** `http://127.0.0.1:<port>`: the base for REST and (as ws://) for WebSockets. */
  url: string;
  wsUrl: string;
  port: number;
  registry: UtteranceRegistry;
  stats(): DeepgramStats;
  /** Zeroes the counters and forgets pending drops. */
  reset(): void;
  /** The next socket of that kind is closed with 1011 NET-0000 `afterMs` after it opens. */
  dropNextSocket(kind: SocketKind, afterMs: number): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** `listen` is `/v1/listen` (Nova), `flux` is `/v2/listen`. */
export type SocketKind = "listen" | "flux" | "speak";
const SOCKET_PATHS: Record<string, SocketKind> = { "/v1/listen": "listen", "/v2/listen": "flux", "/v1/speak": "speak" };

/** Starts a local Deepgram: `/v1/listen` and `/v2/listen` (WS), `/v1/speak` (WS and REST), `/v1/auth/grant`, and `/__control/…`. */
export async function startDeepgramSimulator(opts: DeepgramSimulatorOptions = {}): Promise<DeepgramSimulator> {
  const host = opts.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host)) throw new Error(`Deepgram simulator binds to loopback only, not ${host}`);
  const profileName = typeof opts.profile === "string" ? opts.profile : (opts.profile?.name ?? "instant");
  const seed = opts.seed ?? 1;
  const sampler = new LatencySampler(opts.profile ?? "instant", seed);
  const random = new Random(seed ^ 0x9e3779b9);
  const registry = opts.registry ?? new UtteranceRegistry();
  const timing: ListenTiming = {
    ...DEFAULT_LISTEN_TIMING,
    ...opts.listenTiming,
    ...(opts.interimIntervalMs !== undefined ? { interimIntervalMs: opts.interimIntervalMs } : {}),
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
  };
  const fluxTiming: FluxTiming = { ...DEFAULT_FLUX_TIMING, ...opts.fluxTiming };
  const realtimeFactor = opts.speakRealtimeFactor ?? (profileName === "instant" ? Infinity : 4);
  const frameMs = opts.speakFrameMs ?? 100;
  const clock = new SimClock(opts.speed ?? 1);
  const maxSpeakSockets = opts.maxConcurrentSpeakSockets ?? SPEAK_LIMITS.concurrentSockets;
  const stats = emptyStats();
  const pendingDrops: Record<SocketKind, number[]> = { listen: [], flux: [], speak: [] };
  const grantedTokens = new Set<string>();
  const requestIds = new WeakMap<IncomingMessage, string>();
  const credentials = new WeakMap<IncomingMessage, Credential>();
  const cold = new ColdConnections();
  /** A new connection's first request (REST or WebSocket upgrade) pays the profile's handshake. */
  const handshake = (req: IncomingMessage): Promise<void> => (cold.firstUse(req.socket) ? sleep(sampler.draw(sampler.profile.connectHandshake)) : Promise.resolve());

  const dropAfter = (kind: SocketKind): number | undefined => {
    const forced = pendingDrops[kind].shift();
    if (forced !== undefined) return forced;
    const window = opts.socketDropWindowMs ?? { minMs: 1000, maxMs: 10_000 };
    return sampler.shouldDropSocket() ? window.minMs + random.next() * (window.maxMs - window.minMs) : undefined;
  };

  const authorize = (req: IncomingMessage): Credential => {
    const credential = readCredential(req.headers);
    if (!isAuthorized(credential, opts.apiKeys, grantedTokens) || !credential) throw invalidAuth();
    return credential;
  };

  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (_protocols, req) => credentials.get(req)?.subprotocol ?? false,
  });
  wss.on("headers", (headers, req) => headers.push(`dg-request-id: ${requestIds.get(req) ?? ""}`));

  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const requestId = randomUUID();
    requestIds.set(req, requestId);
    const kind = SOCKET_PATHS[url.pathname];
    try {
      if (!kind) throw new DeepgramHttpError(404, "NOT_FOUND", `No WebSocket endpoint at ${url.pathname}.`);
      credentials.set(req, authorize(req));
      const listenParams = kind === "listen" ? parseListenParams(url.searchParams) : undefined;
      const fluxParams = kind === "flux" ? parseFluxParams(url.searchParams) : undefined;
      const speakParams = kind === "speak" ? parseSpeakParams(url.searchParams, "websocket") : undefined;
      if (speakParams && stats.speak.socketsOpen >= maxSpeakSockets) {
        stats.speak.concurrencyRejections++;
        throw new DeepgramHttpError(429, "TOO_MANY_REQUESTS", `Too many concurrent requests: this project may hold ${maxSpeakSockets} speak sockets at once.`);
      }
      await handshake(req);
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        const common = { socket: ws, requestId, sampler, stats, dropAfterMs: dropAfter(kind) };
        if (listenParams) {
          stats.listen.socketsOpened++;
          stats.listen.socketsOpen++;
          new ListenSession({ ...common, params: listenParams, model: listenModelInfo(listenParams.model), registry, timing, seed });
        } else if (fluxParams) {
          stats.flux.socketsOpened++;
          stats.flux.socketsOpen++;
          new FluxSession({ ...common, params: fluxParams, registry, timing: fluxTiming, vadHangoverMs: timing.vadHangoverMs, idleTimeoutMs: timing.idleTimeoutMs, seed });
        } else if (speakParams) {
          stats.speak.socketsOpened++;
          stats.speak.socketsOpen++;
          new SpeakSession({ ...common, params: speakParams, model: speakModelInfo(speakParams.model), realtimeFactor, frameMs, clock });
        }
      });
    } catch (error) {
      if (!(error instanceof DeepgramHttpError)) throw error;
      if (kind) stats[kind].rejectedHandshakes++;
      rejectUpgrade(socket, error, requestId);
    }
  };

  const control: ControlTarget = {
    registry,
    stats: () => structuredClone(stats),
    reset: () => {
      resetCounters(stats);
      pendingDrops.listen = [];
      pendingDrops.flux = [];
      pendingDrops.speak = [];
    },
    dropNextSocket: (kind, afterMs) => pendingDrops[kind].push(afterMs),
  };

  /** HTTP routes; each handler answers through `res` and returns true, so the router stops at the first. */
  const http = Router<HttpRequest, [ServerResponse, string], true>();
  http
    .all("/__control/*", async ({ raw, url }, res) => {
      await handleControl(raw, res, new URL(url), control);
      return true;
    })
    .post("/v1/speak", async ({ raw, url }, res, requestId) => {
      authorize(raw);
      await handshake(raw);
      await handleSpeakRest(raw, res, new URL(url), requestId, { sampler, stats, realtimeFactor, frameMs });
      return true;
    })
    .post("/v1/auth/grant", ({ raw }, res, requestId) => {
      if (authorize(raw).scheme !== "token") throw invalidAuth();
      const token = `sim-${randomUUID()}`;
      grantedTokens.add(token);
      const body = JSON.stringify({ access_token: token, expires_in: 30 });
      res.writeHead(200, { "content-type": "application/json", "dg-request-id": requestId }).end(body);
      return true;
    });

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const requestId = randomUUID();
    try {
      const served = await http.fetch({ method: req.method ?? "GET", url: url.href, raw: req }, res, requestId);
      if (!served) throw new DeepgramHttpError(404, "NOT_FOUND", `No endpoint at ${req.method} ${url.pathname}.`);
    } catch (error) {
      if (!(error instanceof DeepgramHttpError)) throw error;
      if (!res.headersSent) sendHttpError(res, error, requestId);
      else res.destroy();
    }
  };

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      console.error("deepgram simulator: request failed", error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    onUpgrade(req, socket, head).catch((error: unknown) => {
      console.error("deepgram simulator: upgrade failed", error);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${hostInUrl}:${port}`,
    wsUrl: `ws://${hostInUrl}:${port}`,
    port,
    registry,
    stats: control.stats,
    reset: control.reset,
    dropNextSocket: control.dropNextSocket,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Zeroes counters in place (sessions hold a reference to the stats object), keeping the open-socket gauges. */
function resetCounters(stats: DeepgramStats): void {
  const fresh = emptyStats();
  fresh.listen.socketsOpen = stats.listen.socketsOpen;
  fresh.flux.socketsOpen = stats.flux.socketsOpen;
  fresh.speak.socketsOpen = stats.speak.socketsOpen;
  Object.assign(stats.listen, fresh.listen);
  Object.assign(stats.flux, fresh.flux);
  Object.assign(stats.speak, fresh.speak);
}
