/**
 * One chunk synthesised through Deepgram's REST `POST /v1/speak` (protocol notes §4.2), for a call whose speak socket
 * the project's concurrency limit refused: a call with no socket still speaks, a little later, instead of failing.
 * The body streams (chunked), so audio is handed on as it arrives. `container=none`: REST's default WAV header would
 * play as a click.
 */
import { deepgramUrl, errorText, isRetryableStatus, logEvent } from "./deepgram-socket.ts";
import type { FlushGroup } from "./flush-group.ts";
import { ProviderError } from "./provider-types.ts";

export interface SpeakRestRequest {
  baseUrl: string;
  apiKey: string;
  voice: string;
  /** Speak texts of one chunk, each within Deepgram's 2000 characters: one request each, in order. */
  texts: string[];
  fetcher: typeof fetch;
  signal: AbortSignal;
  onAudio: (bytes: Uint8Array) => void;
}

export async function speakThroughRest(request: SpeakRestRequest): Promise<void> {
  const url = deepgramUrl(request.baseUrl, "/v1/speak", new URLSearchParams({ model: request.voice, encoding: "mulaw", sample_rate: "8000", container: "none" }));
  for (const text of request.texts) {
    let response: Response;
    try {
      response = await request.fetcher(url, {
        method: "POST",
        headers: { Authorization: `Token ${request.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ text }),
        signal: request.signal,
      });
    } catch (cause) {
      if (request.signal.aborted) return;
      throw new ProviderError("deepgram-tts", `could not reach Deepgram's REST speak: ${errorText(cause)}`, true, undefined, { cause });
    }
    if (!response.ok || !response.body) {
      const detail = response.headers.get("dg-error") ?? ((await response.text().catch(() => "")).slice(0, 200) || response.statusText);
      throw new ProviderError("deepgram-tts", `Deepgram refused the REST speak request (HTTP ${response.status}): ${detail}`, isRetryableStatus(response.status), response.status);
    }
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (request.signal.aborted) return void reader.cancel().catch(() => undefined);
        if (value.length > 0) request.onAudio(value);
      }
    } catch (cause) {
      // The signal aborts the body as well: a clear() while audio streams ends here.
      if (request.signal.aborted) return;
      throw new ProviderError("deepgram-tts", `Deepgram's REST speak audio broke off: ${errorText(cause)}`, true, undefined, { cause });
    }
  }
}

/** A chunk on its way through REST: aborted by clear() and close(). */
export interface RestSend {
  rest: AbortController;
}

/** After a refusal for concurrency, replies go through REST this long before a socket is asked for again. */
export const REST_MODE_MS = 15_000;

/** What the speaker hears back: audio arrived for the group, its audio is complete, or it failed for good. */
export interface RestSpeakerHooks {
  delivered(): void;
  finished(): void;
  failed(error: ProviderError): void;
}

/** The REST side of one call's speaker: whether it is in use, and the chunks on their way through it. */
export class RestSpeaker {
  /** Until then (wall clock) chunks go through REST. */
  #untilWallMs = 0;
  readonly #inFlight = new Set<AbortController>();

  constructor(
    private readonly target: Pick<SpeakRestRequest, "baseUrl" | "apiKey" | "voice" | "fetcher">,
    private readonly hooks: RestSpeakerHooks,
  ) {}

  active(): boolean {
    return Date.now() < this.#untilWallMs;
  }

  refused(forMs: number): void {
    this.#untilWallMs = Date.now() + forMs;
  }

  /** Sends the group's text; returns the characters sent (what Deepgram bills). A retryable failure resends once. */
  send(group: FlushGroup<RestSend | object>, bytesPerCharacter: number): number {
    const carrier: RestSend = { rest: new AbortController() };
    const texts = group.speakTexts();
    group.sent(carrier, bytesPerCharacter);
    this.#inFlight.add(carrier.rest);
    const current = () => group.link === carrier && !carrier.rest.signal.aborted;
    const onAudio = (bytes: Uint8Array) => {
      if (!current()) return;
      group.accept(bytes);
      this.hooks.delivered();
    };
    speakThroughRest({ ...this.target, texts, signal: carrier.rest.signal, onAudio })
      .then(() => {
        if (!current()) return;
        group.flushed = true;
        this.hooks.delivered();
        this.hooks.finished();
      })
      .catch((error: ProviderError) => {
        if (!current()) return;
        if (!error.retryable || group.retried) return this.hooks.failed(error);
        logEvent("warn", "deepgram-tts", "rest_speak_failed", { error: error.message });
        group.retried = true;
        group.unsent();
        this.hooks.finished();
      })
      .finally(() => this.#inFlight.delete(carrier.rest));
    return texts.reduce((n, t) => n + t.length, 0);
  }

  abortAll(): void {
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
  }
}
