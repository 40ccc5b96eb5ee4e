/**
 * In-band DTMF detection (Goertzel): which keypad key, if any, a window of audio holds, and the keys a longer
 * stretch of audio spells. Runtime-neutral; the tests use it to hear what a caller would hear.
 */
import { DTMF_FREQUENCIES } from "./dtmf.ts";

const ALL_HZ = [...new Set([...DTMF_FREQUENCIES.values()].flat())];

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

/**
 * The key whose two tones clearly dominate the window (10× the next keypad frequency) and carry most of its energy
 * (a pure tone pair carries half of it by this measure; speech far less), else undefined.
 */
export function detectDtmf(window: Int16Array, sampleRate = 8000): string | undefined {
  const ranked = ALL_HZ.map((hz) => ({ hz, p: power(window, hz, sampleRate) })).sort((a, b) => b.p - a.p);
  const top = ranked.slice(0, 2).map((r) => r.hz).sort((a, b) => a - b);
  const meanSquare = window.reduce((sum, x) => sum + x * x, 0) / window.length;
  const pair = (ranked[0]?.p ?? 0) + (ranked[1]?.p ?? 0);
  if ((ranked[1]?.p ?? 0) < 10 * (ranked[2]?.p ?? 0) || meanSquare === 0 || pair < 0.35 * meanSquare) return undefined;
  for (const [key, [lo, hi]] of DTMF_FREQUENCIES) if (lo === top[0] && hi === top[1]) return key;
  return undefined;
}

/** The keys spelled by `pcm`: 20 ms windows; a key counts once per run of at least 40 ms (a tone lasts ~100 ms). */
export function dtmfDigits(pcm: Int16Array, sampleRate = 8000): string {
  const size = Math.round(sampleRate / 50);
  let digits = "";
  let previous: string | undefined;
  let run = 0;
  for (let start = 0; start + size <= pcm.length; start += size) {
    const key = detectDtmf(pcm.subarray(start, start + size), sampleRate);
    run = key !== undefined && key === previous ? run + 1 : 1;
    if (key !== undefined && run === 2) digits += key;
    previous = key;
  }
  return digits;
}
