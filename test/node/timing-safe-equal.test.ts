import { describe, expect, it } from "vitest";
import { timingSafeEqual } from "../../shared/crypto/timing-safe-equal.ts";

// The simulators run the shared helper in Node, where it falls back to node:crypto's timingSafeEqual.
describe("timingSafeEqual in Node", () => {
  it("runs without crypto.subtle.timingSafeEqual", () => {
    expect((crypto.subtle as unknown as { timingSafeEqual?: unknown }).timingSafeEqual).toBeUndefined();
  });

  it("compares like the workerd version, and does not throw on unequal lengths", () => {
    expect(timingSafeEqual("secret", "secret")).toBe(true);
    expect(timingSafeEqual("secret", "secreT")).toBe(false);
    expect(timingSafeEqual("secret", "secret!")).toBe(false);
    expect(timingSafeEqual(Buffer.from("ab"), new Uint8Array([0x61, 0x62]))).toBe(true);
  });
});
