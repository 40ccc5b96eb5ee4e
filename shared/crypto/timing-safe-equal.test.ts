import { describe, expect, it } from "vitest";
import { timingSafeEqual } from "./timing-safe-equal.ts";

// This file runs in workerd (crypto.subtle.timingSafeEqual); test/node/timing-safe-equal.test.ts runs it in Node.
describe("timingSafeEqual in workerd", () => {
  it("uses workerd's crypto.subtle.timingSafeEqual", () => {
    expect(typeof (crypto.subtle as unknown as { timingSafeEqual?: unknown }).timingSafeEqual).toBe("function");
  });

  it("is true only for identical strings or bytes", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("", "")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), "\u0001\u0002\u0004")).toBe(false);
  });

  it("answers false for unequal lengths instead of throwing", () => {
    expect(timingSafeEqual("abc", "ab")).toBe(false);
    expect(timingSafeEqual("", "a")).toBe(false);
    expect(timingSafeEqual("é", "e")).toBe(false);
  });
});
