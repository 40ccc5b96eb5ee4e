import { listenQuery } from "./deepgram-listen-query.ts";
import { LISTEN_MESSAGE_TYPES, listenServerMessage } from "./deepgram-messages.ts";
import { logEvent } from "./deepgram-socket.ts";
import { readListenMessage, type ListenDialect, type ListenStats } from "./listen-dialect.ts";
import { ListenEventMapper } from "./listen-event-mapper.ts";
import type { SpeechToTextConfig, SpeechToTextListener } from "./provider-types.ts";

/** Nova on `/v1/listen`: Results (interim and final), SpeechStarted, UtteranceEnd; Finalize and KeepAlive. */
export class NovaListenDialect implements ListenDialect {
  readonly path = "/v1/listen";
  readonly query: URLSearchParams;
  readonly finalizeMessage = { type: "Finalize" };
  readonly keepAliveMessage = { type: "KeepAlive" };
  /** The endpointing and utterance-end windows: the silence that ends an utterance. */
  readonly speechTailMs: number;
  readonly #events: ListenEventMapper;

  constructor(config: SpeechToTextConfig, listener: SpeechToTextListener) {
    this.query = listenQuery(config);
    this.speechTailMs = Math.max(config.endpointingMs, config.utteranceEndMs);
    this.#events = new ListenEventMapper(listener);
  }

  replaying(replayEndMs: number): void {
    this.#events.replaying(replayEndMs);
  }

  receive(text: string, baseMs: number, stats: ListenStats): { ok: boolean; settledMs?: number } {
    const message = readListenMessage(listenServerMessage, LISTEN_MESSAGE_TYPES, text, stats);
    if (message === undefined) return { ok: false };
    const dropsBefore = this.#events.duplicatesDropped;
    let settledMs: number | undefined;
    switch (message.type) {
      case "Results":
        settledMs = this.#events.results(message, baseMs);
        break;
      case "SpeechStarted":
        this.#events.speechStarted(message.timestamp, baseMs);
        break;
      case "UtteranceEnd":
        this.#events.utteranceEnd(message.last_word_end, baseMs);
        break;
      case "Metadata":
        break;
      case "Error":
        logEvent("warn", "deepgram-stt", "server_error_message", { description: message.description ?? message.message });
        break;
    }
    stats.duplicatesDropped += this.#events.duplicatesDropped - dropsBefore;
    return { ok: true, ...(settledMs !== undefined ? { settledMs } : {}) };
  }
}
