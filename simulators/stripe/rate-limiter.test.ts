import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter.ts";

describe("RateLimiter", () => {
  it("admits 25 requests per key in any one-second window, then again once the window slides", () => {
    let now = 0;
    const limiter = new RateLimiter(25, () => now);
    const burst = Array.from({ length: 30 }, () => limiter.admit("sk_test_a"));
    expect(burst.filter(Boolean)).toHaveLength(25);
    expect(limiter.admit("sk_test_b")).toBe(true);
    now = 999;
    expect(limiter.admit("sk_test_a")).toBe(false);
    now = 1000;
    expect(limiter.admit("sk_test_a")).toBe(true);
  });
});
