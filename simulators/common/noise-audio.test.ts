import { describe, expect, it } from "vitest";
import { decodeMulaw, encodeMulaw } from "../../shared/audio/mulaw.ts";
import { EnergyVad } from "../deepgram/energy-vad.ts";
import { noiseAudio } from "./noise-audio.ts";

describe("noiseAudio", () => {
  it.each(["cough", "line_noise"] as const)("a %s over the phone line is one speech segment to the listen simulator's VAD", (kind) => {
    const noise = noiseAudio(kind, { seed: 5 });
    expect(noise.pcm.length).toBe((noise.durationMs * 8000) / 1000);
    expect(noiseAudio(kind, { seed: 5 }).pcm).toEqual(noise.pcm);
    const line = new Int16Array(8000 * 2);
    line.set(decodeMulaw(encodeMulaw(noise.pcm)), 4000);
    const vad = new EnergyVad({ sampleRate: 8000, endSilenceMs: 300 });
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0; i < line.length; i += 160) {
      vad.push(line.subarray(i, i + 160), (f) => {
        if (f.speechStartedAtMs !== undefined) starts.push(f.speechStartedAtMs);
        if (f.speechEndedAtMs !== undefined) ends.push(f.speechEndedAtMs);
      });
    }
    expect(starts).toHaveLength(1);
    expect(starts[0]).toBeGreaterThanOrEqual(500);
    expect(starts[0]).toBeLessThan(560);
    expect(ends).toHaveLength(1);
  });
});
