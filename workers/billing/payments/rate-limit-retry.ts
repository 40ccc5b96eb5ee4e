/** How many times a request Stripe refused with 429 is sent again. */
export const RATE_LIMIT_RETRIES = 3;

const backoff = (attempt: number) => new Promise<void>((resolve) => setTimeout(resolve, 250 * 2 ** attempt * (0.5 + Math.random())));

/**
 * A fetch that backs off and retries on 429. Stripe answers 429 past a key's rate limit (25 requests/s in test mode)
 * and its SDK retries 429 only when told to (`Stripe-Should-Retry`); Stripe's guidance is to back off
 * exponentially. A 429 was not processed, and the SDK's POSTs carry idempotency keys, so sending again is safe.
 */
export function retryRateLimited(fetchFn: typeof fetch, wait: (attempt: number) => Promise<void> = backoff): typeof fetch {
  return async (input, init) => {
    for (let attempt = 0; ; attempt++) {
      const res = await fetchFn(input, init);
      if (res.status !== 429 || attempt >= RATE_LIMIT_RETRIES) return res;
      await res.body?.cancel();
      await wait(attempt);
    }
  };
}
