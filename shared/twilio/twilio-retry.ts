import { TwilioApiError } from "./twilio-api-error.ts";

/** Time and chance, injectable so tests run retries without waiting. */
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1): the jitter. */
  random(): number;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** No retry starts once this much time has passed since the first attempt (or would pass while waiting). */
  maxTotalMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  clock: RetryClock;
}

/**
 * What may be sent again after a failure:
 * - `idempotent`: reads, and updates of an existing resource (a hang-up, a redirect): repeating them changes nothing;
 * - `refused-only`: creates (a call, a recording, a number). Twilio has no idempotency key, so after a 5xx or a
 *   lost response it may have acted; only a 429, which Twilio answers before processing, is safe to repeat.
 */
export type RetrySafety = "idempotent" | "refused-only";

export const systemClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, maxTotalMs: 8_000, baseDelayMs: 200, maxDelayMs: 2_000, clock: systemClock };

function mayRetry(error: unknown, safety: RetrySafety): boolean {
  if (error instanceof TwilioApiError) return error.status === 429 || (safety === "idempotent" && error.retryable);
  // Not a Twilio answer (the connection failed or was lost): whether Twilio acted is unknown.
  return safety === "idempotent";
}

/** Exponential backoff with full jitter, or Twilio's `Retry-After` when it sent one. */
function delayBefore(retry: number, error: unknown, policy: RetryPolicy): number {
  if (error instanceof TwilioApiError && error.retryAfterMs !== undefined) return error.retryAfterMs;
  return policy.clock.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
}

/** Runs `attempt`, retrying Twilio's 429 and 5xx (and lost connections) as `safety` allows, within `policy`'s bounds. */
export async function withTwilioRetry<T>(attempt: () => Promise<T>, safety: RetrySafety, policy: RetryPolicy): Promise<T> {
  const startedAt = policy.clock.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= policy.maxAttempts || !mayRetry(error, safety)) throw error;
      const delayMs = delayBefore(n, error, policy);
      if (policy.clock.now() + delayMs - startedAt > policy.maxTotalMs) throw error;
      await policy.clock.sleep(delayMs);
    }
  }
}
