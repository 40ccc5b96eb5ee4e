import { describe, expect, it } from "vitest";
import { RATE_LIMIT_RETRIES, retryRateLimited } from "./rate-limit-retry.ts";

const answers = (...statuses: number[]) => {
  const sent: number[] = [];
  const fetchFn = (async () => {
    sent.push(sent.length);
    return new Response("{}", { status: statuses[Math.min(sent.length - 1, statuses.length - 1)] });
  }) as typeof fetch;
  return { fetchFn, sent };
};

describe("Stripe requests past the rate limit", () => {
  it("are sent again after backing off, until Stripe takes them", async () => {
    const { fetchFn, sent } = answers(429, 429, 200);
    const waits: number[] = [];
    const res = await retryRateLimited(fetchFn, async (attempt) => void waits.push(attempt))("https://stripe.test/v1/invoices", { method: "POST", body: "a=1" });
    expect(res.status).toBe(200);
    expect(sent).toHaveLength(3);
    expect(waits).toEqual([0, 1]);
  });

  it("give the 429 back once the retries are spent, and other errors at once", async () => {
    const limited = answers(429);
    expect((await retryRateLimited(limited.fetchFn, async () => {})("https://stripe.test/v1/x")).status).toBe(429);
    expect(limited.sent).toHaveLength(RATE_LIMIT_RETRIES + 1);
    const failing = answers(500);
    expect((await retryRateLimited(failing.fetchFn, async () => {})("https://stripe.test/v1/x")).status).toBe(500);
    expect(failing.sent).toHaveLength(1);
  });
});
