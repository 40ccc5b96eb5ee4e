import { rfc2822 } from "./twilio-dates.ts";
import type { HttpMethod } from "./twiml.ts";
import type { WebhookParams } from "./webhook-client.ts";

export type CallProgressEvent = "initiated" | "ringing" | "answered" | "completed";

export const CALL_PROGRESS_EVENTS: readonly CallProgressEvent[] = ["initiated", "ringing", "answered", "completed"];

export interface StatusCallbackConfig {
  url: string;
  method: HttpMethod;
  /** Default (when none is given on create): `completed` only. */
  events: ReadonlySet<CallProgressEvent>;
}

/**
 * Call progress callbacks for one call: only the requested events, each with `CallbackSource`, a `SequenceNumber`
 * counting from 0 across the callbacks actually sent, and an RFC 2822 `Timestamp`.
 */
export class CallStatusCallbacks {
  #config: StatusCallbackConfig | null;
  #sequence = 0;
  readonly #send: (url: string, method: HttpMethod, params: WebhookParams) => void;

  constructor(config: StatusCallbackConfig | null, send: (url: string, method: HttpMethod, params: WebhookParams) => void) {
    this.#config = config;
    this.#send = send;
  }

  /** A call update can replace the callback URL (events stay as created). */
  retarget(url: string, method: HttpMethod): void {
    this.#config = { url, method, events: this.#config?.events ?? new Set(["completed"]) };
  }

  notify(event: CallProgressEvent, params: WebhookParams, at: Date): void {
    const config = this.#config;
    if (!config || !config.events.has(event)) return;
    this.#send(config.url, config.method, {
      ...params,
      CallbackSource: "call-progress-events",
      SequenceNumber: String(this.#sequence++),
      Timestamp: rfc2822(at),
    });
  }
}
