/**
 * Deepgram Aura-2 streaming TTS for one call over a `/v1/speak` WebSocket, μ-law 8 kHz so the audio goes to Twilio
 * unconverted. Each chunk is its own Speak+Flush; the server answers in order, so binary audio belongs to the oldest
 * chunk whose `Flushed` hasn't arrived. A lost socket is reopened and the chunk in flight retried once.
 */
import { SPEAK_MESSAGE_TYPES, parseServerMessage, speakServerMessage, type SpeakServerMessage } from "./deepgram-messages.ts";
import { binaryPayload, closeQuietly, deepgramUrl, logEvent, openWithRetries, RECONNECT_DELAYS_MS, watchSocket } from "./deepgram-socket.ts";
import { ProviderError, type TextToSpeech, type TextToSpeechConfig, type TextToSpeechListener } from "./provider-types.ts";
import { splitSpeakText } from "./speak-text.ts";

export interface DeepgramTextToSpeechOptions {
  baseUrl: string;
  apiKey: string;
  config: TextToSpeechConfig;
  listener: TextToSpeechListener;
  fetcher?: typeof fetch;
  reconnectDelaysMs?: readonly number[];
}

interface Chunk {
  id: number;
  text: string;
  /** Speak+Flush went out on the current socket. */
  sent: boolean;
  retried: boolean;
  /** Audio bytes received for this chunk on the current socket. */
  receivedBytes: number;
  /** Audio bytes handed to the listener; after a retry the re-synthesised audio resumes past them. */
  deliveredBytes: number;
}

type State = "idle" | "connecting" | "open" | "closed" | "failed";

/** A socket that lived this long was healthy; its loss starts a fresh reconnect budget. */
const HEALTHY_SOCKET_MS = 5000;

export class DeepgramTextToSpeech implements TextToSpeech {
  /** `characters` counts text sent in Speak messages (what Deepgram bills), retries included. */
  readonly stats = { characters: 0, reconnects: 0, warnings: 0, unknownMessages: 0, invalidMessages: 0, droppedAudioBytes: 0 };
  readonly #o: DeepgramTextToSpeechOptions;
  readonly #fetch: typeof fetch;
  readonly #delaysMs: readonly number[];
  #state: State = "idle";
  #socket: WebSocket | undefined;
  #openedAt = 0;
  #drops = 0;
  #connecting: Promise<void> | undefined;
  #failure: ProviderError | undefined;
  /** Chunks not yet done, oldest first; the head is the one audio belongs to. */
  #queue: Chunk[] = [];
  /** Clears sent whose `Cleared` hasn't arrived: audio and Flushed before it belong to forgotten chunks. */
  #clearsInFlight = 0;

  constructor(options: DeepgramTextToSpeechOptions) {
    this.#o = options;
    this.#fetch = options.fetcher ?? ((input, init) => fetch(input, init));
    this.#delaysMs = options.reconnectDelaysMs ?? RECONNECT_DELAYS_MS;
  }

  connect(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#state === "closed") return Promise.reject(new ProviderError("deepgram-tts", "the TTS socket is closed", false));
    if (this.#state === "open") return Promise.resolve();
    this.#connecting ??= this.#openWithRetries();
    return this.#connecting;
  }

  speak(id: number, text: string): void {
    if (this.#state === "closed" || this.#state === "failed") return;
    const chunk: Chunk = { id, text, sent: false, retried: false, receivedBytes: 0, deliveredBytes: 0 };
    this.#queue.push(chunk);
    if (text.trim().length === 0) {
      // Nothing to synthesise (and an empty flush may get no Flushed): done in its turn without a round trip.
      queueMicrotask(() => this.#settleEmptyHead());
      return;
    }
    if (this.#state === "open" && this.#socket) this.#send(this.#socket, chunk);
    else void this.connect().catch(() => {
      // reported through listener.failed
    });
  }

  clear(): void {
    const wasSent = this.#queue.some((c) => c.sent);
    this.#queue = [];
    if (!wasSent || this.#state !== "open" || !this.#socket) return;
    try {
      this.#socket.send(JSON.stringify({ type: "Clear" }));
      this.#clearsInFlight++;
    } catch {
      // closing under us: the replacement socket starts clean
    }
  }

  async close(): Promise<void> {
    if (this.#state === "closed") return;
    const socket = this.#socket;
    this.#state = "closed";
    this.#socket = undefined;
    this.#queue = [];
    if (!socket) return;
    try {
      socket.send(JSON.stringify({ type: "Close" }));
    } catch {
      // already closing
    }
    closeQuietly(socket, 1000, "client closing");
  }

  async #openWithRetries(): Promise<void> {
    this.#state = "connecting";
    const voice = this.#o.config.voice;
    let socket: WebSocket | undefined;
    try {
      socket = await openWithRetries({
        provider: "deepgram-tts",
        url: deepgramUrl(this.#o.baseUrl, "/v1/speak", new URLSearchParams({ model: voice, encoding: "mulaw", sample_rate: "8000" })),
        apiKey: this.#o.apiKey,
        fetcher: this.#fetch,
        label: `speak socket for voice "${voice}"`,
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
    this.#clearsInFlight = 0;
    this.#connecting = undefined;
    watchSocket(
      socket,
      (data) => this.#onMessage(socket, data),
      (code, reason) => this.#onClose(socket, code, reason),
    );
    for (const chunk of this.#queue) if (!chunk.sent && chunk.text.trim().length > 0) this.#send(socket, chunk);
  }

  #send(socket: WebSocket, chunk: Chunk): void {
    try {
      for (const piece of splitSpeakText(chunk.text)) socket.send(JSON.stringify({ type: "Speak", text: piece }));
      socket.send(JSON.stringify({ type: "Flush" }));
    } catch {
      return; // closing under us: resent on the replacement socket
    }
    chunk.sent = true;
    chunk.receivedBytes = 0;
    this.stats.characters += chunk.text.length;
  }

  #onMessage(socket: WebSocket, data: unknown): void {
    if (socket !== this.#socket) return;
    if (typeof data !== "string") {
      const bytes = binaryPayload(data);
      if (bytes) this.#onAudio(bytes);
      return;
    }
    const parsed = parseServerMessage(speakServerMessage, SPEAK_MESSAGE_TYPES, data);
    if (!parsed.ok) {
      if (parsed.kind === "unknown_type") this.stats.unknownMessages++;
      else this.stats.invalidMessages++;
      logEvent("warn", "deepgram-tts", parsed.kind === "unknown_type" ? "unknown_message" : "invalid_message", { type: parsed.type });
      return;
    }
    this.#onControl(parsed.message);
  }

  #onControl(message: SpeakServerMessage): void {
    switch (message.type) {
      case "Flushed": {
        if (this.#clearsInFlight > 0) return;
        const head = this.#queue.find((c) => c.sent);
        if (!head || head !== this.#queue[0]) return;
        this.#queue.shift();
        this.#o.listener.done(head.id);
        this.#settleEmptyHead();
        return;
      }
      case "Cleared":
        this.#clearsInFlight = Math.max(0, this.#clearsInFlight - 1);
        return;
      case "Warning":
        // Deepgram allows 20 Flushes per 60 s per socket; over that (or over a text limit) it warns.
        this.stats.warnings++;
        logEvent("warn", "deepgram-tts", "server_warning", { code: message.code ?? message.warn_code, description: message.description ?? message.warn_msg });
        return;
      case "Error":
        logEvent("warn", "deepgram-tts", "server_error_message", { description: message.description ?? message.err_msg });
        return;
      case "Metadata":
        return;
    }
  }

  #onAudio(bytes: Uint8Array): void {
    const head = this.#queue[0];
    if (this.#clearsInFlight > 0 || !head?.sent) {
      this.stats.droppedAudioBytes += bytes.length;
      return;
    }
    const start = head.receivedBytes;
    head.receivedBytes += bytes.length;
    if (head.receivedBytes <= head.deliveredBytes) return;
    const fresh = bytes.subarray(Math.max(0, head.deliveredBytes - start));
    head.deliveredBytes = head.receivedBytes;
    // Copied: the frame's buffer belongs to the socket, the listener may keep the bytes.
    this.#o.listener.audio(head.id, fresh.slice());
  }

  /** Chunks with nothing to say complete as soon as everything before them has. */
  #settleEmptyHead(): void {
    while (this.#queue[0] && this.#queue[0].text.trim().length === 0) {
      const chunk = this.#queue.shift()!;
      this.#o.listener.done(chunk.id);
    }
  }

  #onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    if (this.#state !== "open") return;
    closeQuietly(socket, 1000, "");
    this.stats.reconnects++;
    this.#drops = Date.now() - this.#openedAt >= HEALTHY_SOCKET_MS ? 1 : this.#drops + 1;
    const inFlight = this.#queue.filter((c) => c.sent);
    logEvent("warn", "deepgram-tts", "socket_lost", { code, reason, chunksInFlight: inFlight.length });
    const head = inFlight[0];
    if (head?.retried) {
      this.#fail(new ProviderError("deepgram-tts", `the speak socket closed twice while synthesising chunk ${head.id} (last close ${code} ${reason})`, true));
      return;
    }
    if (this.#drops > this.#delaysMs.length) {
      this.#fail(new ProviderError("deepgram-tts", `the speak socket keeps closing (last close ${code} ${reason})`, true));
      return;
    }
    if (head) head.retried = true;
    for (const chunk of inFlight) chunk.sent = false;
    this.#connecting = this.#openWithRetries().catch(() => {
      // reported through listener.failed
    });
  }

  #fail(error: ProviderError): void {
    if (this.#state === "failed" || this.#state === "closed") return;
    this.#state = "failed";
    this.#failure = error;
    this.#queue = [];
    logEvent("error", "deepgram-tts", "failed", { error: error.message, status: error.status });
    this.#o.listener.failed(error);
  }
}
