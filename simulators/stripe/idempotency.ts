import type { ApiResponse } from "./route-context.ts";
import { StripeApiError } from "./stripe-error.ts";

interface Stored {
  fingerprint: string;
  response: ApiResponse;
}

/**
 * Stripe's idempotent requests: a POST with an `Idempotency-Key` that was seen before replays the stored response,
 * whether it succeeded or failed; reusing the key with other parameters (or another endpoint) is an idempotency_error.
 */
export class IdempotencyStore {
  readonly #byKey = new Map<string, Stored>();

  /** The stored response to replay, or undefined to run the request. */
  replay(apiKey: string, key: string, fingerprint: string): ApiResponse | undefined {
    const stored = this.#byKey.get(`${apiKey}\n${key}`);
    if (!stored) return undefined;
    if (stored.fingerprint !== fingerprint) {
      throw new StripeApiError(
        400,
        "idempotency_error",
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    return stored.response;
  }

  store(apiKey: string, key: string, fingerprint: string, response: ApiResponse): void {
    this.#byKey.set(`${apiKey}\n${key}`, { fingerprint, response: structuredClone(response) });
  }
}
