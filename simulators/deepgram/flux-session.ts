import type { WebSocket } from "ws";
import type { LatencySampler } from "../common/latency-profile.ts";
import { Random } from "../common/random.ts";
import type { UtteranceRegistry } from "../common/utterance-registry.ts";
import { parseClientMessage } from "./client-text-message.ts";
import { CLOSE } from "./deepgram-error.ts";
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
import { ListenAudioDecoder } from "./listen-audio-decoder.ts";
import { Outbox } from "./outbox.ts";
import type { DeepgramStats } from "./simulator-stats.ts";
import { StreamLifecycle } from "./stream-lifecycle.ts";
import { VadAudioInput } from "./vad-audio-input.ts";
import { UtteranceLocator } from "./utterance-locator.ts";

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
  readonly #audio: VadAudioInput;
  readonly #outbox = new Outbox();
  readonly #turns: FluxTurns;
  /** Raw μ-law streams only: other encodings do not carry the caller's bytes as sent. */
  readonly #locator: UtteranceLocator | undefined;
  readonly #life: StreamLifecycle;
  #thresholds: FluxThresholds;
  #keyterms: string[];
  #sequenceId = 0;

  constructor(deps: FluxSessionDeps) {
    this.#d = deps;
    this.#thresholds = { ...deps.params.thresholds };
    this.#keyterms = [...deps.params.keyterms];
    const { encoding, sampleRate } = deps.params;
    const locator = encoding === "mulaw" && sampleRate ? new UtteranceLocator(sampleRate / 1000) : undefined;
    this.#locator = locator;
    this.#turns = new FluxTurns({
      registry: deps.registry,
      locator,
      callSid: deps.params.extra["call_sid"],
      seed: deps.seed,
      sampler: deps.sampler,
      random: new Random(deps.seed ^ 0x51f15e),
      timing: deps.timing,
      vadHangoverMs: deps.vadHangoverMs,
      thresholds: () => this.#thresholds,
      emit: (e, delayMs, onSent) => this.#sendTurnInfo(e, delayMs, onSent),
    });
    const decoder = new ListenAudioDecoder(deps.params.encoding, deps.params.sampleRate, 1);
    this.#audio = new VadAudioInput(decoder, () => deps.vadHangoverMs, (frame) => this.#turns.frame(frame));
    deps.socket.on("ping", () => this.#life.armIdle());
    this.#send((s) => connectedMessage(s));
    this.#life = new StreamLifecycle({
      socket: deps.socket,
      outbox: this.#outbox,
      stats: deps.stats.flux,
      idleTimeoutMs: deps.idleTimeoutMs,
      dropAfterMs: deps.dropAfterMs,
      onText: (text) => this.#onControl(text),
      onAudio: (data) => this.#onAudio(data),
    });
  }

  #onAudio(data: Uint8Array): void {
    this.#locator?.scan(data, this.#d.registry.upcoming(this.#d.params.extra["call_sid"]));
    const addedMs = this.#audio.push(data);
    if (addedMs === "undecodable") return this.#life.close(CLOSE.badData.code, CLOSE.badData.reason);
    this.#d.stats.flux.audioMsReceived += addedMs;
  }

  #onControl(text: string): void {
    const message = parseClientMessage(fluxControlMessage, text);
    if (message === undefined) {
      this.#d.stats.flux.unparsableMessages++;
      this.#send((s) => fluxErrorMessage(s, "UNPARSABLE_CLIENT_MESSAGE", "Text message received from client did not match any of the formats we expect."));
      void this.#outbox.drained().then(() => this.#life.close(CLOSE.unsupportedMessage.code, "UNPARSABLE_CLIENT_MESSAGE"));
      this.#life.stopReading();
      return;
    }
    this.#life.armIdle();
    switch (message.type) {
      case "CloseStream":
        this.#life.stopReading();
        this.#d.stats.flux.closeStreams++;
        this.#turns.finalUpdate(this.#audio.vad?.audioMs ?? 0);
        // Flux "closes the connection without sending a WebSocket close status code" (docs: flux/close-stream).
        void this.#outbox.drained().then(() => this.#life.close());
        return;
      case "ForceEndTurn":
        this.#d.stats.flux.forceEndTurns++;
        if (this.#turns.forceEnd(this.#audio.vad?.audioMs ?? 0)) this.#audio.vad?.endSpeech();
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
}
