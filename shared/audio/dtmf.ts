/**
 * In-band DTMF (ITU-T Q.23): each key is the sum of one low "row" tone and one high "column" tone.
 * Runtime-neutral. `w`/`W` inserts a 500 ms pause, as in Twilio's `sendDigits`.
 */
const ROW_HZ = [697, 770, 852, 941] as const;
const COLUMN_HZ = [1209, 1336, 1477, 1633] as const;
const KEYPAD = ["123A", "456B", "789C", "*0#D"] as const;

export const DTMF_FREQUENCIES: ReadonlyMap<string, readonly [lowHz: number, highHz: number]> = new Map(
  KEYPAD.flatMap((row, r) => [...row].map((key, c) => [key, [ROW_HZ[r] ?? 0, COLUMN_HZ[c] ?? 0] as const] as const)),
);

export interface DtmfOptions {
  /** Tone length per digit; Q.24 receivers need at least 40 ms, 100 ms is a common sender default. */
  toneMs?: number;
  /** Silence after each digit. */
  gapMs?: number;
  sampleRate?: number;
}

const PAUSE_MS = 500;
// Each tone at about -9 dBFS peak; the pair peaks near -3 dBFS, well inside 16 bits and μ-law's range.
const TONE_AMPLITUDE = 0.35 * 32767;
const RAMP_MS = 4;

export function dtmfTones(digits: string, opts: DtmfOptions = {}): Int16Array {
  const toneMs = opts.toneMs ?? 100;
  const gapMs = opts.gapMs ?? 100;
  const sampleRate = opts.sampleRate ?? 8000;
  if (!(toneMs > 0) || !(gapMs >= 0) || !(sampleRate > 0)) throw new RangeError("dtmfTones: toneMs must be > 0, gapMs ≥ 0, sampleRate > 0");
  const toneSamples = Math.round((toneMs * sampleRate) / 1000);
  const gapSamples = Math.round((gapMs * sampleRate) / 1000);
  const pauseSamples = Math.round((PAUSE_MS * sampleRate) / 1000);
  const rampSamples = Math.min(Math.floor(toneSamples / 2), Math.round((RAMP_MS * sampleRate) / 1000));

  const keys = [...digits.toUpperCase()];
  const total = keys.reduce((n, k) => n + (k === "W" ? pauseSamples : toneSamples + gapSamples), 0);
  const out = new Int16Array(total);
  let offset = 0;
  for (const key of keys) {
    if (key === "W") {
      offset += pauseSamples;
      continue;
    }
    const pair = DTMF_FREQUENCIES.get(key);
    if (!pair) throw new RangeError(`dtmfTones: "${key}" is not a DTMF key`);
    const [lowHz, highHz] = pair;
    for (let i = 0; i < toneSamples; i++) {
      const edge = Math.min(i, toneSamples - 1 - i);
      const ramp = edge < rampSamples ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / rampSamples) : 1;
      const t = i / sampleRate;
      out[offset + i] = Math.round(TONE_AMPLITUDE * ramp * (Math.sin(2 * Math.PI * lowHz * t) + Math.sin(2 * Math.PI * highHz * t)));
    }
    offset += toneSamples + gapSamples;
  }
  return out;
}
