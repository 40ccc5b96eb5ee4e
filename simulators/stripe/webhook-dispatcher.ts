import { randomBytes } from "node:crypto";
import { newId } from "./ids.ts";
import type { StripeEvent } from "./objects.ts";
import { stripeSignatureHeader } from "./webhook-signature.ts";

export interface WebhookEndpoint {
  id: string;
  url: string;
  secret: string;
  /** Event types to send; ["*"] sends all. */
  enabledEvents: string[];
}

export interface DeliveryAttempt {
  endpointId: string;
  eventId: string;
  eventType: string;
  attempt: number;
  /** HTTP status, or 0 when the request failed (refused, reset, timed out). */
  status: number;
  at: number;
}

/**
 * Stripe's retry schedule in live mode is exponential over three days; these are its first steps (minutes to
 * hours), in milliseconds of simulated time. `speed` shrinks them for tests, like the other simulators' call clocks.
 */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000, 12 * 3_600_000];
const ATTEMPT_TIMEOUT_MS = 10_000;

/** POSTs each event to the endpoints that want it, signed, retrying non-2xx answers with backoff until it gives up. */
export class WebhookDispatcher {
  readonly endpoints = new Map<string, WebhookEndpoint>();
  readonly attempts: DeliveryAttempt[] = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  readonly speed: number;

  constructor(speed: number) {
    this.speed = speed;
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
  }

  addEndpoint(opts: { url: string; secret?: string; enabledEvents?: string[] }): WebhookEndpoint {
    const endpoint: WebhookEndpoint = {
      id: newId("we"),
      url: opts.url,
      secret: opts.secret ?? `whsec_${randomBytes(24).toString("hex")}`,
      enabledEvents: opts.enabledEvents ?? ["*"],
    };
    this.endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  /** Starts delivering `event`; returns how many endpoints will receive it (the event's `pending_webhooks`). */
  deliver(event: StripeEvent): number {
    const targets = [...this.endpoints.values()].filter((e) => e.enabledEvents.includes("*") || e.enabledEvents.includes(event.type));
    // Stripe's payloads are pretty-printed JSON; receivers must verify the exact bytes.
    const payload = JSON.stringify(event, null, 2);
    for (const endpoint of targets) void this.#attempt(endpoint, event, payload, 1);
    return targets.length;
  }

  async #attempt(endpoint: WebhookEndpoint, event: StripeEvent, payload: string, attempt: number): Promise<void> {
    if (this.#closed) return;
    const signature = stripeSignatureHeader(payload, endpoint.secret, Math.floor(Date.now() / 1000));
    let status = 0;
    try {
      const res = await fetch(endpoint.url, {
        method: "POST",
        headers: { "Content-Type": "application/json; charset=utf-8", "Stripe-Signature": signature, "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" },
        body: payload,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      status = res.status;
      await res.body?.cancel();
    } catch {
      status = 0;
    }
    this.attempts.push({ endpointId: endpoint.id, eventId: event.id, eventType: event.type, attempt, status, at: Date.now() });
    if (status >= 200 && status < 300) {
      // `pending_webhooks` counts the endpoints that have not yet acknowledged the event.
      event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
      return;
    }
    const delay = RETRY_DELAYS_MS[attempt - 1];
    if (delay === undefined || this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(endpoint, event, payload, attempt + 1);
    }, delay / this.speed);
    this.#timers.add(timer);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
