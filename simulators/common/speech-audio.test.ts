import { describe, expect, it } from "vitest";
import { planWords, resample, synthesizeSpeech, syllableCount } from "./speech-audio.ts";

const rmsDb = (pcm: Int16Array, from = 0, to = pcm.length): number => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (pcm[i] ?? 0) ** 2;
  return 20 * Math.log10(Math.sqrt(sum / Math.max(1, to - from)) / 32768 + 1e-12);
};

describe("synthesizeSpeech", () => {
  it("produces speech-level audio at a natural rate with word timings", async () => {
    const text = "Hi, I would like to book a table for four people tomorrow evening.";
    const a = await synthesizeSpeech(text);
    expect(a.sampleRate).toBe(8000);
    expect(a.words.map((w) => w.word)).toEqual(text.split(" "));
    expect(a.durationMs).toBe(Math.round((a.pcm.length * 1000) / 8000));
    const wordsPerSecond = a.words.length / (a.durationMs / 1000);
    expect(wordsPerSecond).toBeGreaterThan(1.8);
    expect(wordsPerSecond).toBeLessThan(3.5);
    expect(rmsDb(a.pcm)).toBeGreaterThan(-30);
    expect(rmsDb(a.pcm)).toBeLessThan(-10);
    for (let i = 1; i < a.words.length; i++) expect(a.words[i]!.startMs).toBeGreaterThanOrEqual(a.words[i - 1]!.endMs);
    expect(a.words.at(-1)!.endMs).toBeLessThanOrEqual(a.durationMs);
  });

  it("is deterministic, cached, and honours rate and sample rate", async () => {
    const a = await synthesizeSpeech("one two three", { seed: 7 });
    const b = await synthesizeSpeech("one two three", { seed: 7 });
    expect(b).toBe(a);
    const fast = await synthesizeSpeech("one two three", { seed: 7, wordsPerMinute: 300 });
    expect(fast.durationMs).toBeLessThan(a.durationMs * 0.75);
    const wide = await synthesizeSpeech("one two three", { seed: 7, sampleRate: 24000 });
    expect(wide.sampleRate).toBe(24000);
    expect(Math.abs(wide.pcm.length / 24000 - a.pcm.length / 8000)).toBeLessThan(0.05);
  });

  it("rejects nonsense options", async () => {
    await expect(synthesizeSpeech("x", { sampleRate: 10 })).rejects.toThrow(RangeError);
  });
});

describe("helpers", () => {
  it("counts syllables and plans pauses below the VAD hangover", () => {
    expect(syllableCount("tomorrow")).toBe(3);
    expect(syllableCount("the")).toBe(1);
    const plan = planWords("Yes. Please, now");
    for (let i = 1; i < plan.words.length; i++) expect(plan.words[i]!.startMs - plan.words[i - 1]!.endMs).toBeLessThanOrEqual(120);
  });

  it("resamples a tone keeping its level", () => {
    const tone = new Int16Array(22050).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 22050)));
    const out = resample(tone, 22050, 8000);
    expect(out.length).toBe(8000);
    expect(Math.abs(rmsDb(out, 100, 7900) - rmsDb(tone))).toBeLessThan(0.5);
  });
});
