import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64 } from "./base64.ts";

/** Bytes whose every value shows where it sits (and covers all 256 values). */
const counting = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff);

describe("base64", () => {
  it("encodes any length as RFC 4648 does, across its 32 KiB blocks, and decodes back byte for byte", () => {
    expect(bytesToBase64(new Uint8Array(0))).toBe("");
    expect(bytesToBase64(Uint8Array.of(0xfb))).toBe("+w==");
    expect(bytesToBase64(Uint8Array.of(0xfb, 0xff))).toBe("+/8=");
    expect(bytesToBase64(Uint8Array.of(0, 0x10, 0x83))).toBe("ABCD");
    for (const n of [160, 640, 0x8000 + 1, 2 * 0x8000 + 2]) {
      const bytes = counting(n);
      const b64 = bytesToBase64(bytes);
      expect(b64.length).toBe(Math.ceil(n / 3) * 4);
      const back = base64ToBytes(b64);
      expect(back.length).toBe(n);
      expect(back.every((v, i) => v === bytes[i])).toBe(true);
    }
  });

  it("encodes a view into a larger buffer as just the viewed bytes", () => {
    const whole = counting(1000);
    expect(base64ToBytes(bytesToBase64(whole.subarray(160, 320)))).toEqual(whole.slice(160, 320));
  });
});
