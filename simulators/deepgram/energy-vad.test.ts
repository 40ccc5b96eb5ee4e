import { describe, expect, it } from "vitest";
import { synthesizeSpeech } from "../common/speech-audio.ts";
import { Random } from "../common/random.ts";
import { EnergyVad, type VadFrame } from "./energy-vad.ts";

const RATE = 8000;
const silence = (ms: number): Int16Array => new Int16Array((ms * RATE) / 1000);
const noise = (ms: number, amplitude: number, seed = 3): Int16Array => {
  const r = new Random(seed);
  return new Int16Array((ms * RATE) / 1000).map(() => Math.round((r.next() * 2 - 1) * amplitude));
};
const join = (...parts: Int16Array[]): Int16Array => {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

function run(pcm: Int16Array, chunkSamples: number, endSilenceMs = 300): { starts: number[]; ends: number[]; frames: number } {
  const vad = new EnergyVad({ sampleRate: RATE, endSilenceMs });
  const starts: number[] = [];
  const ends: number[] = [];
  let frames = 0;
  const onFrame = (f: VadFrame): void => {
    frames++;
    if (f.speechStartedAtMs !== undefined) starts.push(f.speechStartedAtMs);
    if (f.speechEndedAtMs !== undefined) ends.push(f.speechEndedAtMs);
  };
  for (let i = 0; i < pcm.length; i += chunkSamples) vad.push(pcm.subarray(i, i + chunkSamples), onFrame);
  return { starts, ends, frames };
}

describe("EnergyVad", () => {
  it("finds one segment per utterance, on audio time, whatever the chunking", async () => {
    const a = await synthesizeSpeech("Hello, I need to change my delivery address please.");
    const b = await synthesizeSpeech("Yes that is right.");
    const pcm = join(silence(400), a.pcm, silence(800), b.pcm, silence(500));
    const expectedEndA = 400 + a.durationMs;
    const expectedStartB = expectedEndA + 800;
    for (const chunk of [37, 160, 8000, pcm.length]) {
      const r = run(pcm, chunk);
      expect(r.starts.length, `chunk ${chunk}`).toBe(2);
      expect(r.ends.length).toBe(2);
      expect(Math.abs(r.starts[0]! - 400)).toBeLessThanOrEqual(20);
      expect(Math.abs(r.ends[0]! - expectedEndA)).toBeLessThanOrEqual(30);
      expect(Math.abs(r.starts[1]! - expectedStartB)).toBeLessThanOrEqual(20);
      expect(r.frames).toBe(Math.floor(pcm.length / 80));
    }
  });

  it("ignores line noise and short clicks but hears speech over noise", async () => {
    const quiet = run(join(noise(2000, 60), new Int16Array(80).fill(20000), noise(1000, 60)), 160);
    expect(quiet.starts).toEqual([]);
    const speech = await synthesizeSpeech("Can you hear me now?");
    const noisy = join(noise(1000, 60), speech.pcm.map((s, i) => s + ((i * 7919) % 120) - 60), noise(1000, 60));
    const r = run(noisy, 160);
    expect(r.starts.length).toBe(1);
    expect(Math.abs(r.starts[0]! - 1000)).toBeLessThanOrEqual(20);
  });

  it("bridges pauses shorter than the end silence and splits on longer ones", async () => {
    const word = (await synthesizeSpeech("word")).pcm;
    expect(run(join(word, silence(200), word, silence(400)), 160, 300).starts.length).toBe(1);
    expect(run(join(word, silence(400), word, silence(400)), 160, 300).starts.length).toBe(2);
  });
});
