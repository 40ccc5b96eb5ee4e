import type { WebSocket } from "ws";
import type { LatencySampler } from "../common/latency-profile.ts";
import { Random } from "../common/random.ts";
import type { UtteranceRegistry } from "../common/utterance-registry.ts";
import { CLOSE } from "./deepgram-error.ts";
import { EnergyVad } from "./energy-vad.ts";
import {
  configureFailureMessage,
  configureSuccessMessage,
  connectedMessage,
  fluxControlMessage,
  fluxErrorMessage,
  turnInfoMessage,
  type FluxControlMessage,
  type FluxTurnEvent,
  type Stamp,
} from "./flux-messages.ts";
import { thresholdsProblem, type FluxParams, type FluxThresholds } from "./flux-params.ts";
import { FluxTurns, type FluxTiming } from "./flux-turns.ts";
import { ListenAudioDecoder, UndecodableAudioError, wsBytes } from "./listen-audio-decoder.ts";
import { Outbox } from "./outbox.ts";
import type { DeepgramStats } from "./simulator-stats.ts";

export interface FluxSessionDeps {
  socket: WebSocket;
  params: FluxParams;
  requestId: string;
  registry: UtteranceRegistry;
  sampler: LatencySampler;
  stats: DeepgramStats;
  timing: FluxTiming;
  vadHangoverMs: number;
  /** No audio (or WebSocket ping) for this long closes the socket with 1011 NET-0001. */
  idleTimeoutMs: number;
  seed: number;
  dropAfterMs?: number;
}

/** What a TurnInfo event counts as in the stats. */
const EVENT_STAT = {
  Update: "updatesSent",
  StartOfTurn: "startOfTurnsSent",
  EagerEndOfTurn: "eagerEndOfTurnsSent",
  TurnResumed: "turnResumedSent",
  EndOfTurn: "endOfTurnsSent",
} as const;

/**
 * One `/v2/listen` (Flux) stream: `Connected`, then TurnInfo events from the turn state machine (flux-turns.ts) on
 * audio time; `Configure` changes thresholds and keyterms mid-stream (`ConfigureSuccess` / `ConfigureFailure`),
 * `ForceEndTurn` ends the turn, `CloseStream` sends a last `Update` and closes without a status code. Any other
 * text message is a fatal `UNPARSABLE_CLIENT_MESSAGE` (Flux has no KeepAlive or Finalize; WebSocket pings keep an
 * idle socket open instead).
 */
export class FluxSession {
  readonly #d: FluxSessionDeps;
  readonly #decoder: ListenAudioDecoder;
  readonly #outbox = new Outbox();
  readonly #turns: FluxTurns;
  #thresholds: FluxThresholds;
  #keyterms: string[];
  #vad: EnergyVad | undefined;
  #sequenceId = 0;
  #closed = false;
  #closing = false;
  #idleTimer: NodeJS.Timeout | undefined;
  #dropTimer: NodeJS.Timeout | undefined;

  constructor(deps: FluxSessionDeps) {
    this.#d = deps;
    this.#thresholds = { ...deps.params.thresholds };
    this.#keyterms = [...deps.params.keyterms];
    this.#decoder = new ListenAudioDecoder(deps.params.encoding, deps.params.sampleRate, 1);
    this.#turns = new FluxTurns({
      registry: deps.registry,
      callSid: deps.params.extra["call_sid"],
      seed: deps.seed,
      sampler: deps.sampler,
      random: new Random(deps.seed ^ 0x51f15e),
      timing: deps.timing,
      vadHangoverMs: deps.vadHangoverMs,
      thresholds: () => this.#thresholds,
      emit: (e, delayMs, onSent) => this.#sendTurnInfo(e, delayMs, onSent),
    });
    deps.socket.on("message", (data, isBinary) => this.#onMessage(wsBytes(data), isBinary));
    deps.socket.on("ping", () => this.#armIdle());
    deps.socket.on("close", () => this.#dispose());
    deps.socket.on("error", () => this.#dispose());
    this.#send((s) => connectedMessage(s));
    this.#armIdle();
    if (deps.dropAfterMs !== undefined) {
      this.#dropTimer = setTimeout(() => {
        deps.stats.flux.drops++;
        this.#close(CLOSE.internal.code, CLOSE.internal.reason);
      }, deps.dropAfterMs);
    }
  }

  #onMessage(data: Uint8Array, isBinary: boolean): void {
    if (this.#closed || this.#closing) return;
    if (!isBinary) {
      this.#onControl(Buffer.from(data).toString("utf8"));
      return;
    }
    this.#armIdle();
    let pcm: Int16Array;
    try {
      pcm = this.#decoder.decode(data);
    } catch (error) {
      if (!(error instanceof UndecodableAudioError)) throw error;
      this.#close(CLOSE.badData.code, CLOSE.badData.reason);
      return;
    }
    const sampleRate = this.#decoder.sampleRate;
    if (sampleRate === undefined || pcm.length === 0) return;
    this.#vad ??= new EnergyVad({ sampleRate, endSilenceMs: this.#d.vadHangoverMs });
    const before = this.#vad.audioMs;
    this.#vad.push(pcm, (frame) => this.#turns.frame(frame));
    this.#d.stats.flux.audioMsReceived += this.#vad.audioMs - before;
  }

  #onControl(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = fluxControlMessage.safeParse(json);
    if (!parsed.success) {
      this.#d.stats.flux.unparsableMessages++;
      this.#send((s) => fluxErrorMessage(s, "UNPARSABLE_CLIENT_MESSAGE", "Text message received from client did not match any of the formats we expect."));
      void this.#outbox.drained().then(() => this.#close(CLOSE.unsupportedMessage.code, "UNPARSABLE_CLIENT_MESSAGE"));
      this.#closing = true;
      return;
    }
    this.#armIdle();
    const message = parsed.data;
    switch (message.type) {
      case "CloseStream":
        this.#closing = true;
        this.#d.stats.flux.closeStreams++;
        this.#turns.finalUpdate(this.#vad?.audioMs ?? 0);
        // Flux "closes the connection without sending a WebSocket close status code" (docs: flux/close-stream).
        void this.#outbox.drained().then(() => this.#close());
        return;
      case "ForceEndTurn":
        this.#d.stats.flux.forceEndTurns++;
        if (this.#turns.forceEnd(this.#vad?.audioMs ?? 0)) this.#vad?.endSpeech();
        return;
      case "Configure":
        return this.#configure(message);
    }
  }

  #configure(m: Extract<FluxControlMessage, { type: "Configure" }>): void {
    this.#d.stats.flux.configures++;
    const t = m.thresholds ?? {};
    const next: FluxThresholds = {
      eotThreshold: t.eot_threshold ?? this.#thresholds.eotThreshold,
      eagerEotThreshold: t.eager_eot_threshold ?? this.#thresholds.eagerEotThreshold,
      eotTimeoutMs: t.eot_timeout_ms ?? this.#thresholds.eotTimeoutMs,
    };
    const hintsWithoutMulti = m.language_hints !== undefined && this.#d.params.model !== "flux-general-multi";
    if (thresholdsProblem(next) || hintsWithoutMulti) {
      this.#send((s) => configureFailureMessage(s));
      return;
    }
    this.#thresholds = next;
    if (m.keyterms !== undefined) this.#keyterms = typeof m.keyterms === "string" ? [m.keyterms] : m.keyterms;
    const hints = m.language_hints ?? this.#d.params.languageHints;
    this.#send((s) => configureSuccessMessage(s, next, this.#keyterms, hints));
  }

  #sendTurnInfo(e: FluxTurnEvent, delayMs = 0, onSent?: () => void): void {
    this.#d.stats.flux[EVENT_STAT[e.event]]++;
    this.#send((s) => turnInfoMessage(e, s, this.#d.params.model, this.#d.params.languageHints), delayMs, onSent);
  }

  /** Sequence ids are stamped at delivery, so they count messages in the order they reach the client. */
  #send(build: (s: Stamp) => Record<string, unknown>, delayMs = 0, onSent?: () => void): void {
    void this.#outbox.push(() => {
      this.#d.socket.send(JSON.stringify(build({ requestId: this.#d.requestId, sequenceId: this.#sequenceId++ })));
      this.#d.stats.flux.messagesSent++;
      onSent?.();
    }, delayMs);
  }

  #armIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#d.stats.flux.idleTimeouts++;
      this.#close(CLOSE.clientIdle.code, CLOSE.clientIdle.reason);
    }, this.#d.idleTimeoutMs);
  }

  /** Without a code, ws sends a close frame with no status (the client sees 1005). */
  #close(code?: number, reason?: string): void {
    if (this.#closed) return;
    this.#dispose();
    if (code === undefined) this.#d.socket.close();
    else this.#d.socket.close(code, reason);
  }

  #dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox.close();
    this.#d.stats.flux.socketsOpen--;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#dropTimer);
  }
}
