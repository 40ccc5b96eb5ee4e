/**
 * Deepgram Aura-2 streaming TTS for one call over `/v1/speak` WebSockets, μ-law 8 kHz so the audio goes to Twilio
 * unconverted. Each chunk is its own Speak+Flush while the socket's budget allows; the server answers in order, so
 * binary audio belongs to the oldest group on that socket whose `Flushed` hasn't arrived.
 *
 * A socket takes 20 Flushes per rolling minute, 12,000 characters per 2 minutes and lives 60 minutes (§4.1), and a
 * call can outrun all three. So each socket's budget is counted on the call clock (`speak-budget.ts`): when it runs
 * low, clauses are merged under one Flush, a standby socket is opened, and new text moves to it once it is open; the
 * old socket finishes what it was given, then closes. Audio is handed on strictly in chunk order across sockets, so
 * the move is never heard. A `Warning` (Deepgram only warns about limits) fails that socket like a lost connection:
 * what it had not finished is sent again on a fresh one, resuming past the audio already delivered.
 *
 * Sockets per call: one, two for a few seconds around a move (never a third: no standby opens while an old socket
 * drains). Deepgram caps a project at 40 (Pay-as-you-go) or 80 (Growth) concurrent speak sockets; a call it refuses
 * one (429) speaks each chunk through REST `/v1/speak` instead (`speak-rest.ts`), and asks for a socket again after
 * REST_MODE_MS: under load a call may sound a little later, but it never goes silent or fails for want of a socket.
 */
import { SPEAK_MESSAGE_TYPES, parseServerMessage, speakServerMessage, type SpeakServerMessage } from "./deepgram-messages.ts";
import { binaryPayload, closeQuietly, deepgramUrl, logEvent, openWithRetries, RECONNECT_DELAYS_MS, watchSocket } from "./deepgram-socket.ts";
import { REST_MODE_MS, RestSpeaker, type RestSend } from "./speak-rest.ts";
import { FlushGroup } from "./flush-group.ts";
import { ProviderError, type TextToSpeech, type TextToSpeechConfig, type TextToSpeechListener } from "./provider-types.ts";
import { SpeakBudget } from "./speak-budget.ts";

export interface DeepgramTextToSpeechOptions {
  baseUrl: string;
  apiKey: string;
  config: TextToSpeechConfig;
  listener: TextToSpeechListener;
  fetcher?: typeof fetch;
  reconnectDelaysMs?: readonly number[];
  /** How long chunks go through REST after a refusal for concurrency (REST_MODE_MS). */
  restModeMs?: number;
}

interface SpeakLink {
  socket: WebSocket;
  budget: SpeakBudget;
  /** Groups sent on this socket whose `Flushed` hasn't arrived, oldest first. */
  inFlight: FlushGroup<Carrier>[];
  /** Clears sent whose `Cleared` hasn't arrived: audio and Flushed before it belong to forgotten groups. */
  clearsInFlight: number;
  openedAtWallMs: number;
}

type Carrier = SpeakLink | RestSend;

/** A socket that lived this long was healthy; its loss starts a fresh reconnect budget. */
const HEALTHY_SOCKET_MS = 5000;
/** μ-law 8 kHz at about 65 ms of speech per character, until this call's own audio says otherwise. */
const DEFAULT_BYTES_PER_CHARACTER = 520;

export class DeepgramTextToSpeech implements TextToSpeech {
  /** `characters` counts text sent in Speak messages (what Deepgram bills), retries included. */
  readonly stats = {
    characters: 0,
    flushes: 0,
    /** Chunks that shared a Flush with the chunk before them. */
    mergedChunks: 0,
    /** Moves to a fresh socket ahead of a limit. */
    rotations: 0,
    reconnects: 0,
    warnings: 0,
    socketsOpened: 0,
    maxSocketsOpen: 0,
    unknownMessages: 0,
    invalidMessages: 0,
    droppedAudioBytes: 0,
    /** Speak sockets Deepgram refused for the project's concurrency limit. */
    socketRefusals: 0,
    /** Chunks synthesised through REST meanwhile. */
    restChunks: 0,
  };
  readonly #o: DeepgramTextToSpeechOptions;
  readonly #fetch: typeof fetch;
  readonly #delaysMs: readonly number[];
  readonly #now: () => number;
  #active: SpeakLink | undefined;
  #standby: SpeakLink | undefined;
  /** Sockets that get no new text: each closes once its last group is flushed. */
  #retiring: SpeakLink[] = [];
  #opening: Promise<void> | undefined;
  #closed = false;
  #failure: ProviderError | undefined;
  #drops = 0;
  /** Every chunk not yet done, in order; the head is the one the listener hears next. */
  #groups: FlushGroup<Carrier>[] = [];
  readonly #rest: RestSpeaker;
  /** Bumped by clear(): a delivery loop under way stops. */
  #generation = 0;
  #learned = { bytes: 0, characters: 0 };

  constructor(options: DeepgramTextToSpeechOptions) {
    this.#o = options;
    this.#fetch = options.fetcher ?? ((input, init) => fetch(input, init));
    this.#delaysMs = options.reconnectDelaysMs ?? RECONNECT_DELAYS_MS;
    this.#now = () => options.listener.callClockMs?.() ?? Date.now();
    this.#rest = new RestSpeaker(
      { baseUrl: options.baseUrl, apiKey: options.apiKey, voice: options.config.voice, fetcher: this.#fetch },
      {
        delivered: () => this.#deliver(),
        finished: () => this.#pump(),
        failed: (error) => this.#fail(error),
      },
    );
  }

  connect(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new ProviderError("deepgram-tts", "the TTS socket is closed", false));
    if (this.#active || this.#rest.active()) return Promise.resolve();
    return this.#open();
  }

  speak(id: number, text: string): void {
    if (this.#closed || this.#failure) return;
    this.#groups.push(new FlushGroup<Carrier>({ id, text }));
    if (text.trim().length === 0) {
      // Completes once everything before it has, never inside this call.
      queueMicrotask(() => this.#deliver());
      return;
    }
    this.#pump();
  }

  clear(): void {
    this.#generation++;
    this.#groups = [];
    for (const link of this.#links()) {
      if (link.inFlight.length === 0) continue;
      link.inFlight = [];
      try {
        link.socket.send(JSON.stringify({ type: "Clear" }));
        link.clearsInFlight++;
      } catch {
        // closing under us: its replacement starts clean
      }
    }
    for (const link of this.#retiring.splice(0)) this.#shut(link);
    this.#rest.abortAll();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#groups = [];
    this.#rest.abortAll();
    for (const link of this.#links()) this.#shut(link);
    this.#active = undefined;
    this.#standby = undefined;
    this.#retiring = [];
  }

  #links(): SpeakLink[] {
    return [...(this.#active ? [this.#active] : []), ...(this.#standby ? [this.#standby] : []), ...this.#retiring];
  }

  /** Opens a socket: the active one when there is none, else the standby. One opening at a time. */
  #open(): Promise<void> {
    this.#opening ??= this.#openSocket().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #openSocket(): Promise<void> {
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
        stillWanted: () => !this.#closed && !this.#failure,
        // Waiting does not free a socket another call holds: REST answers now.
        giveUpOn: (error) => error.status === 429,
      });
    } catch (error) {
      if ((error as ProviderError).status === 429) return this.#refused(error as ProviderError);
      this.#fail(error as ProviderError);
      throw error;
    }
    if (!socket) return;
    const link: SpeakLink = { socket, budget: new SpeakBudget(this.#now()), inFlight: [], clearsInFlight: 0, openedAtWallMs: Date.now() };
    this.stats.socketsOpened++;
    watchSocket(
      socket,
      (data) => this.#onMessage(link, data),
      (code, reason) => this.#lose(link, code, reason),
    );
    if (this.#active) this.#standby = link;
    else this.#active = link;
    this.stats.maxSocketsOpen = Math.max(this.stats.maxSocketsOpen, this.#links().length);
    this.#pump();
  }

  /** Sends what waits, on the active socket, within its budget; rotates to the standby when the budget runs low. */
  #pump(): void {
    if (this.#closed || this.#failure) return;
    const now = this.#now();
    if (this.#standby && (!this.#active || this.#active.budget.isLow(now))) this.#rotate();
    const active = this.#active;
    if (!active) {
      if (this.#rest.active()) return this.#pumpRest();
      void this.#open().catch(() => {
        // reported through listener.failed
      });
      return;
    }
    for (let i = 0; i < this.#groups.length; i++) {
      const group = this.#groups[i]!;
      if (group.link || group.flushed) continue;
      const merging = active.budget.shouldMerge(now);
      // Low on Flushes: later chunks wait for the socket's current Flush, then go together under one.
      if (merging && active.inFlight.length > 0) break;
      while (merging && this.#groups[i + 1] && group.canMerge(this.#groups[i + 1]!) && active.budget.fits(now, group.characters + this.#groups[i + 1]!.characters)) {
        group.merge(this.#groups.splice(i + 1, 1)[0]!);
        this.stats.mergedChunks++;
      }
      if (!active.budget.fits(now, group.characters)) {
        if (!this.#standby) break;
        this.#rotate();
        return this.#pump();
      }
      if (!this.#send(active, group, now)) return;
    }
    if (active.budget.isLow(now) && !this.#standby && this.#retiring.length === 0) {
      void this.#open().catch(() => {
        // reported through listener.failed
      });
    }
  }

  /** The standby becomes the active socket; the old one (if any) gets no new text and closes once drained. */
  #rotate(): void {
    const old = this.#active;
    this.#active = this.#standby;
    this.#standby = undefined;
    if (!old) return;
    this.stats.rotations++;
    if (old.inFlight.length === 0 && old.clearsInFlight === 0) this.#shut(old);
    else this.#retiring.push(old);
  }

  #send(link: SpeakLink, group: FlushGroup<Carrier>, now: number): boolean {
    const texts = group.speakTexts();
    try {
      for (const text of texts) link.socket.send(JSON.stringify({ type: "Speak", text }));
      link.socket.send(JSON.stringify({ type: "Flush" }));
    } catch {
      return false; // closing under us: resent once its close is seen
    }
    const characters = texts.reduce((n, t) => n + t.length, 0);
    link.budget.record(now, characters);
    link.inFlight.push(group);
    group.sent(link, this.#bytesPerCharacter());
    this.stats.characters += characters;
    this.stats.flushes++;
    return true;
  }

  #refused(error: ProviderError): void {
    this.stats.socketRefusals++;
    const forMs = this.#o.restModeMs ?? REST_MODE_MS;
    this.#rest.refused(forMs);
    logEvent("warn", "deepgram-tts", "speak_socket_refused", { error: error.message, fallback: "rest", forMs });
    // Straight to REST: asking for a socket again now would be refused again.
    this.#pumpRest();
  }

  /** Every chunk not yet sent goes out through REST at once; their audio is still handed on strictly in order. */
  #pumpRest(): void {
    for (const group of this.#groups) {
      if (group.link || group.flushed) continue;
      this.stats.characters += this.#rest.send(group, this.#bytesPerCharacter());
      this.stats.restChunks++;
    }
  }

  #bytesPerCharacter(): number {
    return this.#learned.characters > 0 ? this.#learned.bytes / this.#learned.characters : DEFAULT_BYTES_PER_CHARACTER;
  }

  #onMessage(link: SpeakLink, data: unknown): void {
    if (!this.#links().includes(link)) return;
    if (typeof data !== "string") {
      const bytes = binaryPayload(data);
      const group = link.inFlight[0];
      if (!bytes) return;
      if (link.clearsInFlight > 0 || !group) {
        this.stats.droppedAudioBytes += bytes.length;
        return;
      }
      group.accept(bytes);
      this.#deliver();
      return;
    }
    const parsed = parseServerMessage(speakServerMessage, SPEAK_MESSAGE_TYPES, data);
    if (!parsed.ok) {
      if (parsed.kind === "unknown_type") this.stats.unknownMessages++;
      else this.stats.invalidMessages++;
      logEvent("warn", "deepgram-tts", parsed.kind === "unknown_type" ? "unknown_message" : "invalid_message", { type: parsed.type });
      return;
    }
    this.#onControl(link, parsed.message);
  }

  #onControl(link: SpeakLink, message: SpeakServerMessage): void {
    switch (message.type) {
      case "Flushed": {
        if (link.clearsInFlight > 0) return;
        const group = link.inFlight.shift();
        if (!group) return;
        group.flushed = true;
        if (group.chunks.length === 1 && !group.retried) {
          this.#learned.bytes += group.receivedBytes;
          this.#learned.characters += group.characters;
        }
        this.#deliver();
        this.#shutIfDrained(link);
        return this.#pump();
      }
      case "Cleared":
        link.clearsInFlight = Math.max(0, link.clearsInFlight - 1);
        return this.#shutIfDrained(link);
      case "Warning": {
        // Deepgram warns when a limit was hit (Flushes per minute, characters per 2 minutes): what this socket was
        // given may never be synthesised, so it is treated as lost, and its text goes to a fresh socket.
        this.stats.warnings++;
        const code = message.code ?? message.warn_code ?? "WARNING";
        const description = message.description ?? message.warn_msg ?? "";
        logEvent("warn", "deepgram-tts", "server_warning", { code, description, groupsInFlight: link.inFlight.length });
        return this.#lose(link, 1000, `Warning ${code}: ${description}`);
      }
      case "Error":
        logEvent("warn", "deepgram-tts", "server_error_message", { description: message.description ?? message.err_msg });
        return;
      case "Metadata":
        return;
    }
  }

  /** Hands audio to the listener in chunk order: only the oldest unfinished group's audio is heard now. */
  #deliver(): void {
    const generation = this.#generation;
    const current = () => generation === this.#generation;
    for (let group = this.#groups[0]; group && current(); group = this.#groups[0]) {
      group.emit(this.#o.listener, current);
      if (!group.flushed || !current()) return;
      this.#groups.shift();
      group.finish(this.#o.listener, current);
    }
  }

  #shutIfDrained(link: SpeakLink): void {
    const index = this.#retiring.indexOf(link);
    if (index < 0 || link.inFlight.length > 0 || link.clearsInFlight > 0) return;
    this.#retiring.splice(index, 1);
    this.#shut(link);
    this.#pump();
  }

  /** Closes a socket we are done with (Deepgram closes 1000 after `Close`). */
  #shut(link: SpeakLink): void {
    try {
      link.socket.send(JSON.stringify({ type: "Close" }));
    } catch {
      // already closing
    }
    closeQuietly(link.socket, 1000, "client closing");
  }

  /** A socket closed, broke or warned: what it had not finished is sent again, on the next socket. */
  #lose(link: SpeakLink, code: number, reason: string): void {
    const wasActive = link === this.#active;
    if (wasActive) this.#active = undefined;
    else if (link === this.#standby) this.#standby = undefined;
    else if (this.#retiring.includes(link)) this.#retiring.splice(this.#retiring.indexOf(link), 1);
    else return;
    closeQuietly(link.socket, 1000, "");
    if (this.#closed || this.#failure) return;
    const unfinished = link.inFlight;
    link.inFlight = [];
    if (!wasActive && unfinished.length === 0) return; // an idle standby, or a drained old socket: nothing lost
    this.stats.reconnects++;
    this.#drops = Date.now() - link.openedAtWallMs >= HEALTHY_SOCKET_MS ? 1 : this.#drops + 1;
    logEvent("warn", "deepgram-tts", "socket_lost", { code, reason, groupsInFlight: unfinished.length });
    const head = unfinished[0];
    if (head?.retried) {
      return this.#fail(new ProviderError("deepgram-tts", `the speak socket closed twice while synthesising chunk ${head.chunks[0]!.id} (last close ${code} ${reason})`, true));
    }
    if (this.#drops > this.#delaysMs.length) {
      return this.#fail(new ProviderError("deepgram-tts", `the speak socket keeps closing (last close ${code} ${reason})`, true));
    }
    if (head) head.retried = true;
    for (const group of unfinished) group.unsent();
    this.#pump();
  }

  #fail(error: ProviderError): void {
    if (this.#failure || this.#closed) return;
    this.#failure = error;
    this.#groups = [];
    this.#rest.abortAll();
    for (const link of this.#links()) closeQuietly(link.socket, 1000, "");
    this.#active = undefined;
    this.#standby = undefined;
    this.#retiring = [];
    this.#o.listener.failed(error);
  }
}
