import { Random } from "./random.ts";

/**
 * Sounds a caller makes that are not words: a cough, or a burst of line noise (crackle on a bad line). Loud enough
 * that an energy VAD (and Deepgram's) takes them for the start of speech, which is the point: the agent must not be
 * cut off by them. Deterministic per seed.
 */
export type NoiseKind = "cough" | "line_noise";

const SHAPES: Record<NoiseKind, { durationMs: number; rms: number }> = {
  /** One explosive burst, ~250 ms, at about speech level. */
  cough: { durationMs: 260, rms: 3300 },
  /** Crackle over hiss for half a second, a little under speech level. */
  line_noise: { durationMs: 500, rms: 1800 },
};

export function noiseAudio(kind: NoiseKind, opts: { seed?: number; sampleRate?: number } = {}): { pcm: Int16Array; durationMs: number } {
  const sampleRate = opts.sampleRate ?? 8000;
  const random = new Random(opts.seed ?? 1);
  const { durationMs, rms } = SHAPES[kind];
  const n = Math.round((durationMs * sampleRate) / 1000);
  const out = new Float64Array(n);
  let low = 0;
  for (let i = 0; i < n; i++) {
    const t = i / n;
    const white = random.next() * 2 - 1;
    if (kind === "cough") {
      // A one-pole low-pass gives the breathy colour; fast attack, exponential decay.
      low += 0.35 * (white - low);
      out[i] = low * Math.min(1, t / 0.06) * Math.exp(-4 * t);
    } else {
      const crackle = random.next() < 0.02 ? (random.next() * 2 - 1) * 6 : 0;
      out[i] = 0.5 * white + crackle;
    }
  }
  let sum = 0;
  for (const v of out) sum += v * v;
  const gain = rms / Math.sqrt(sum / n || 1);
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(out[i]! * gain)));
  return { pcm, durationMs };
}
