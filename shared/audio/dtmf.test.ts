import { describe, expect, it } from "vitest";
import { dtmfTones } from "./dtmf.ts";
import { detectDtmf as detect, dtmfDigits } from "./dtmf-detect.ts";

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

  it("reads back the keys a stretch of audio spells, not speech-like noise", () => {
    expect(dtmfDigits(dtmfTones("41#", { toneMs: 100, gapMs: 60 }))).toBe("41#");
    const noise = Int16Array.from({ length: 8000 }, (_, i) => Math.round(3000 * Math.sin(i / 3) + 2000 * Math.sin(i / 7.3)));
    expect(dtmfDigits(noise)).toBe("");
  });

  it("rejects keys that are not on the keypad", () => {
    expect(() => dtmfTones("12x")).toThrow(RangeError);
  });
});
