/**
 * Deepgram live STT for one call: μ-law 8 kHz caller audio in over a `/v1/listen` WebSocket (or Flux's `/v2/listen`,
 * through its dialect: deepgram-flux.ts), transcripts out on the call's audio clock. The socket survives unexpected
 * closes (deploys, network blips, workerd#6774's 1005 after a concurrent streaming fetch drains): it is reopened at
 * once and sent the audio the lost socket hadn't finalised, so no words are lost, and words already delivered are not
 * delivered again.
 */
import { CallerAudioBuffer, MULAW_BYTES_PER_MS } from "./caller-audio-buffer.ts";
import { closeQuietly, deepgramUrl, logEvent, openWithRetries, RECONNECT_DELAYS_MS, sleep, watchSocket } from "./deepgram-socket.ts";
import type { ListenDialect } from "./listen-dialect.ts";
import { NovaListenDialect } from "./nova-listen-dialect.ts";
import { ProviderError, type SpeechToText, type SpeechToTextConfig, type SpeechToTextListener } from "./provider-types.ts";
import { SttSendPolicy } from "./stt-send-policy.ts";

export interface DeepgramSpeechToTextOptions {
  baseUrl: string;
  apiKey: string;
  /** Nova's `/v1/listen` settings; another listen API comes as its `dialect` instead. */
  config: SpeechToTextConfig;
  listener: SpeechToTextListener;
  fetcher?: typeof fetch;
  /** KeepAlive after this long without audio (Deepgram closes an idle socket after about 10 s). */
  keepAliveMs?: number;
  reconnectDelaysMs?: readonly number[];
  /** Quiet caller audio goes out in batches of up to this many ms (20 = one message per Twilio frame); see SttSendPolicy. */
  batchMs?: number;
}

type State = "idle" | "connecting" | "open" | "closing" | "closed" | "failed";

/** Audio kept for replay when no final arrives: far longer than any span Deepgram leaves open, 240 KB at most. */
const REPLAY_CAP_MS = 30_000;
/** A socket that lived this long (or produced a message) was healthy; its loss starts a fresh retry budget. */
const HEALTHY_SOCKET_MS = 5000;
/** How long `close()` waits for the final results and the server's close after CloseStream. */
const CLOSE_GRACE_MS = 3000;

export class DeepgramSpeechToText implements SpeechToText {
  /** `audioMsSent` counts every ms put on the wire (what Deepgram bills), replays included; `audioMsReplayed` is that share. */
  readonly stats = { reconnects: 0, audioMsSent: 0, audioMsReplayed: 0, keepAlives: 0, unknownMessages: 0, invalidMessages: 0, duplicatesDropped: 0 };
  readonly #o: Omit<DeepgramSpeechToTextOptions, "config">;
  readonly #dialect: ListenDialect;
  readonly #fetch: typeof fetch;
  readonly #delaysMs: readonly number[];
  readonly #keepAliveMs: number;
  readonly #audio = new CallerAudioBuffer(REPLAY_CAP_MS);
  readonly #policy: SttSendPolicy;
  #state: State = "idle";
  #socket: WebSocket | undefined;
  /** Call-clock position of the first audio sent on the current socket: its timestamp 0. */
  #baseMs = 0;
  #openedAt = 0;
  #heardFromSocket = false;
  /** Unexpected closes since the last healthy socket. */
  #drops = 0;
  #connecting: Promise<void> | undefined;
  #finalizePending = false;
  #lastSendAt = 0;
  #keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  #closing: Promise<void> | undefined;
  #failure: ProviderError | undefined;
  #socketClosed: (() => void) | undefined;

  constructor(options: Omit<DeepgramSpeechToTextOptions, "config"> & ({ config: SpeechToTextConfig } | { dialect: ListenDialect })) {
    this.#o = options;
    this.#dialect = "dialect" in options ? options.dialect : new NovaListenDialect(options.config, options.listener);
    this.#fetch = options.fetcher ?? ((input, init) => fetch(input, init));
    this.#delaysMs = options.reconnectDelaysMs ?? RECONNECT_DELAYS_MS;
    this.#keepAliveMs = options.keepAliveMs ?? 4000;
    this.#policy = new SttSendPolicy({ batchMs: options.batchMs ?? 20, speechTailMs: this.#dialect.speechTailMs });
  }

  connect(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#state === "closing" || this.#state === "closed") return Promise.reject(new ProviderError("deepgram-stt", "the STT stream is closed", false));
    this.#connecting ??= this.#openWithRetries();
    return this.#connecting;
  }

  sendAudio(mulaw: Uint8Array): void {
    // An empty binary frame means end-of-stream to Deepgram (deprecated but honoured): never send one.
    if (mulaw.length === 0 || this.#state === "closing" || this.#state === "closed" || this.#state === "failed") return;
    const hold = this.#policy.mayHold(mulaw);
    const chunk = this.#audio.append(mulaw, hold ? this.#policy.batchBytes : mulaw.length);
    if (this.#state === "open" && this.#socket && (!hold || chunk.bytes.length >= this.#policy.batchBytes)) this.#sendChunk(this.#socket, chunk);
  }

  /** A batch still filling goes out now: nothing that asks Deepgram for results may overtake audio. */
  #flush(socket: WebSocket): void {
    const pending = this.#audio.unsent;
    if (pending) this.#sendChunk(socket, pending);
  }

  finalize(): void {
    const message = this.#dialect.finalizeMessage;
    if (!message) return;
    if (this.#state === "open" && this.#socket) {
      this.#flush(this.#socket);
      this.#sendJson(this.#socket, message);
    }
    else if (this.#state === "connecting" || this.#state === "idle") this.#finalizePending = true;
  }

  keepAlive(): void {
    const message = this.#dialect.keepAliveMessage;
    if (this.#state !== "open" || !this.#socket || !message) return;
    this.stats.keepAlives++;
    this.#sendJson(this.#socket, message);
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeStream();
    return this.#closing;
  }

  async #closeStream(): Promise<void> {
    const socket = this.#state === "open" ? this.#socket : undefined;
    this.#state = "closing";
    this.#stopKeepAlive();
    if (socket) {
      // CloseStream: Deepgram finishes the audio it has, sends the last Results and Metadata, then closes 1000.
      const closed = new Promise<void>((resolve) => (this.#socketClosed = resolve));
      this.#flush(socket);
      this.#sendJson(socket, { type: "CloseStream" });
      await Promise.race([closed, sleep(CLOSE_GRACE_MS)]);
      closeQuietly(socket, 1000, "client closing");
    }
    this.#socket = undefined;
    this.#state = "closed";
  }

  async #openWithRetries(): Promise<void> {
    this.#state = "connecting";
    let socket: WebSocket | undefined;
    try {
      socket = await openWithRetries({
        provider: "deepgram-stt",
        url: deepgramUrl(this.#o.baseUrl, this.#dialect.path, this.#dialect.query),
        apiKey: this.#o.apiKey,
        fetcher: this.#fetch,
        label: "listen socket",
        delaysMs: this.#delaysMs,
        stillWanted: () => this.#state === "connecting",
      });
    } catch (error) {
      this.#fail(error as ProviderError);
      throw error;
    }
    if (socket) this.#attach(socket);
  }

  #attach(socket: WebSocket): void {
    this.#socket = socket;
    this.#state = "open";
    this.#openedAt = Date.now();
    this.#heardFromSocket = false;
    this.#baseMs = this.#audio.startMs;
    watchSocket(
      socket,
      (data) => this.#onMessage(socket, data),
      (code, reason) => this.#onClose(socket, code, reason),
    );
    // Replay what the lost socket hadn't finalised (counted as replayed), then what was buffered while connecting.
    for (const chunk of this.#audio.chunks) this.#sendChunk(socket, chunk);
    if (this.#finalizePending && this.#dialect.finalizeMessage) this.#sendJson(socket, this.#dialect.finalizeMessage);
    this.#finalizePending = false;
    this.#lastSendAt = Date.now();
    this.#startKeepAlive(socket);
  }

  #sendChunk(socket: WebSocket, chunk: { bytes: Uint8Array; sent: boolean }): void {
    const ms = chunk.bytes.length / MULAW_BYTES_PER_MS;
    try {
      socket.send(chunk.bytes);
    } catch {
      return; // closing under us: the close handler replays it
    }
    this.stats.audioMsSent += ms;
    if (chunk.sent) this.stats.audioMsReplayed += ms;
    chunk.sent = true;
    this.#lastSendAt = Date.now();
  }

  #sendJson(socket: WebSocket, message: { type: string }): void {
    try {
      socket.send(JSON.stringify(message));
      this.#lastSendAt = Date.now();
    } catch {
      // closing under us
    }
  }

  #onMessage(socket: WebSocket, data: unknown): void {
    if (socket !== this.#socket) return;
    if (typeof data !== "string") {
      this.stats.invalidMessages++; // the listen socket never sends binary
      return;
    }
    const { ok, settledMs } = this.#dialect.receive(data, this.#baseMs, this.stats);
    if (!ok) return;
    this.#heardFromSocket = true;
    if (settledMs !== undefined) this.#audio.settle(settledMs);
  }

  #onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#stopKeepAlive();
    if (this.#state === "closing") {
      this.#socketClosed?.();
      return;
    }
    if (this.#state !== "open") return;
    closeQuietly(socket, 1000, "");
    const healthy = this.#heardFromSocket || Date.now() - this.#openedAt >= HEALTHY_SOCKET_MS;
    this.#drops = healthy ? 1 : this.#drops + 1;
    this.stats.reconnects++;
    logEvent("warn", "deepgram-stt", "socket_lost", { code, reason, drops: this.#drops, audioMs: this.#audio.audioMs });
    if (this.#drops > this.#delaysMs.length) {
      this.#fail(new ProviderError("deepgram-stt", `the listen socket keeps closing (last close ${code} ${reason})`, true, undefined, { code: `close_${code}`, attempts: this.#drops }));
      return;
    }
    this.#dialect.replaying?.(this.#audio.audioMs);
    this.#connecting = this.#openWithRetries().catch(() => {
      // reported through listener.failed
    });
  }

  #fail(error: ProviderError): void {
    if (this.#state === "failed" || this.#state === "closing" || this.#state === "closed") return;
    this.#state = "failed";
    this.#failure = error;
    this.#stopKeepAlive();
    // Logged once, with the call id, by whoever the listener reports to.
    this.#o.listener.failed(error);
  }

  #startKeepAlive(socket: WebSocket): void {
    this.#stopKeepAlive();
    if (!this.#dialect.keepAliveMessage) return;
    // Twilio streams continuously, but a held or muted call may not; an idle socket is closed after ~10 s.
    this.#keepAliveTimer = setInterval(() => {
      if (socket === this.#socket && Date.now() - this.#lastSendAt >= this.#keepAliveMs) this.keepAlive();
    }, Math.max(50, this.#keepAliveMs / 4));
  }

  #stopKeepAlive(): void {
    if (this.#keepAliveTimer !== undefined) clearInterval(this.#keepAliveTimer);
    this.#keepAliveTimer = undefined;
  }
}
