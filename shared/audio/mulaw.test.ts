import { describe, expect, it } from "vitest";
import { decodeMulaw, encodeMulaw, MULAW_SILENCE } from "./mulaw.ts";

/** Straight-line G.711 reference encoder (no tables), to check the table-driven one against. */
function referenceEncode(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), 32635) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

describe("μ-law", () => {
  it("matches the reference encoder on every 16-bit sample", () => {
    const all = new Int16Array(65536);
    for (let i = 0; i < 65536; i++) all[i] = i - 32768;
    const encoded = encodeMulaw(all);
    for (let i = 0; i < 65536; i++) {
      if (encoded[i] !== referenceEncode(i - 32768)) throw new Error(`mismatch at ${i - 32768}`);
    }
  });

  it("decodes known code words", () => {
    expect(Array.from(decodeMulaw(new Uint8Array([0xff, 0x7f, 0x00, 0x80, 0xfe, 0xef])))).toEqual([0, 0, -32124, 32124, 8, 132]);
    expect(decodeMulaw(new Uint8Array([MULAW_SILENCE]))[0]).toBe(0);
  });

  it("round-trips every code word and keeps quantisation error small", () => {
    const codes = new Uint8Array(256).map((_, i) => i);
    const back = encodeMulaw(decodeMulaw(codes));
    for (let i = 0; i < 256; i++) {
      // 0x7f and 0xff both decode to 0, which encodes to 0xff.
      expect(back[i]).toBe(i === 0x7f ? 0xff : i);
    }
    for (const s of [-30000, -1000, -5, 0, 7, 1234, 20000]) {
      const r = decodeMulaw(encodeMulaw(new Int16Array([s])))[0]!;
      expect(Math.abs(r - s)).toBeLessThanOrEqual(Math.max(8, Math.abs(s) * 0.07));
    }
  });
});
