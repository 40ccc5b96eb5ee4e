import { describe, expect, it } from "vitest";
import { DTMF_FREQUENCIES, dtmfTones } from "./dtmf.ts";

/** Goertzel power of one frequency over a window, normalised by length. */
function power(samples: Int16Array, hz: number, sampleRate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / samples.length ** 2;
}

const ALL_HZ = [697, 770, 852, 941, 1209, 1336, 1477, 1633];

function detect(window: Int16Array, sampleRate: number): string | undefined {
  const ranked = ALL_HZ.map((hz) => ({ hz, p: power(window, hz, sampleRate) })).sort((a, b) => b.p - a.p);
  const top = ranked.slice(0, 2).map((r) => r.hz).sort((a, b) => a - b);
  if ((ranked[1]?.p ?? 0) < 10 * (ranked[2]?.p ?? 0)) return undefined;
  for (const [key, [lo, hi]] of DTMF_FREQUENCIES) if (lo === top[0] && hi === top[1]) return key;
  return undefined;
}

describe("dtmfTones", () => {
  it("encodes every key with its row and column frequencies", () => {
    for (const key of "0123456789*#ABCD") {
      const pcm = dtmfTones(key, { toneMs: 80, gapMs: 0 });
      expect(pcm.length).toBe(640);
      expect(detect(pcm, 8000)).toBe(key);
    }
  });

  it("lays out tones, gaps and pauses and stays in range", () => {
    const pcm = dtmfTones("1w2", { toneMs: 50, gapMs: 50, sampleRate: 16000 });
    expect(pcm.length).toBe(800 + 800 + 8000 + 800 + 800);
    expect(detect(pcm.subarray(0, 800), 16000)).toBe("1");
    expect(detect(pcm.subarray(9600, 10400), 16000)).toBe("2");
    expect(pcm.subarray(800, 9600).every((s) => s === 0)).toBe(true);
    expect(Math.max(...pcm.map(Math.abs))).toBeLessThan(32767);
    expect(Math.max(...pcm.map(Math.abs))).toBeGreaterThan(10000);
  });

  it("rejects keys that are not on the keypad", () => {
    expect(() => dtmfTones("12x")).toThrow(RangeError);
  });
});
