import { FLUX_MESSAGE_TYPES, fluxServerMessage } from "./deepgram-flux-messages.ts";
import { logEvent } from "./deepgram-socket.ts";
import { FluxEventMapper } from "./flux-event-mapper.ts";
import { readListenMessage, type ListenDialect, type ListenStats } from "./listen-dialect.ts";
import type { SpeechToTextListener } from "./provider-types.ts";

/**
 * Flux on `/v2/listen`. It has no KeepAlive and no Finalize (docs: KeepAlive is Nova-only; an unknown text message
 * is a fatal UNPARSABLE_CLIENT_MESSAGE): `finalize()` sends ForceEndTurn, which ends the turn on the audio heard so
 * far (docs: flux/force-end-turn), and `keepAlive()` sends nothing, since Twilio's audio never stops on a live call.
 */
export class FluxListenDialect implements ListenDialect {
  readonly path = "/v2/listen";
  readonly finalizeMessage = { type: "ForceEndTurn" };
  readonly keepAliveMessage = undefined;
  /**
   * Flux ends a turn about 260 ms (p95 ~360 ms) after speech, later at a high eot_threshold; past 1.5 s of silence
   * only its eot_timeout_ms fallback is left, which an 80 ms batch cannot noticeably delay.
   */
  readonly speechTailMs = 1_500;
  /** Turn numbering and duplicate drops span sockets (the mapper's state), so a replay needs no notice. */
  readonly #events: FluxEventMapper;

  constructor(
    readonly query: URLSearchParams,
    listener: SpeechToTextListener,
  ) {
    this.#events = new FluxEventMapper(listener);
  }

  receive(text: string, baseMs: number, stats: ListenStats): { ok: boolean; settledMs?: number } {
    const message = readListenMessage(fluxServerMessage, FLUX_MESSAGE_TYPES, text, stats);
    if (message === undefined) return { ok: false };
    if (message.type === "Error") logEvent("warn", "deepgram-stt", "server_error_message", { code: message.code, description: message.description });
    else if (message.type === "ConfigureFailure") logEvent("warn", "deepgram-stt", "configure_failed", {});
    if (message.type !== "TurnInfo") return { ok: true };
    const dropsBefore = this.#events.duplicatesDropped;
    const settledMs = this.#events.turnInfo(message, baseMs);
    stats.duplicatesDropped += this.#events.duplicatesDropped - dropsBefore;
    return { ok: true, ...(settledMs !== undefined ? { settledMs } : {}) };
  }
}
