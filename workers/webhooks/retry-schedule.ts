/**
 * When a failed delivery is tried again. Cloudflare Queues bound a retry's `delaySeconds` at 43,200 (12 h) and a
 * consumer's `max_retries` at 100. Doubling from 30 s reaches the 12 h cap on the 12th retry:
 *   retries 1–11: 30 s, 1 min, 2 min, 4 min, 8 min, 16 min, 32 min, 64 min, ~2.1 h, ~4.3 h, ~8.5 h  (61,410 s ≈ 17 h)
 *   retries 12–16: 12 h each                                                                      (216,000 s = 60 h)
 * so the 17th and last attempt comes about 77 h (3.2 days) after the first; a message that fails it goes to the
 * dead-letter queue. wrangler.toml's `max_retries` for `webhook-deliveries` is DELIVERY_MAX_RETRIES.
 */
export const DELIVERY_MAX_RETRIES = 16;
const FIRST_DELAY_S = 30;
const QUEUES_MAX_DELAY_S = 43_200;

/** The delay before the retry that follows failed attempt `attempt` (1-based), or null when none is left. */
export function retryDelaySeconds(attempt: number): number | null {
  if (attempt > DELIVERY_MAX_RETRIES) return null;
  return Math.min(QUEUES_MAX_DELAY_S, FIRST_DELAY_S * 2 ** (attempt - 1));
}
