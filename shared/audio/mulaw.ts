/**
 * G.711 μ-law, the encoding Twilio Media Streams and Deepgram use for 8 kHz telephone audio.
 * Runtime-neutral (the Worker and the Node simulators both use it). Both directions are table lookups:
 * 256 entries to decode, 16,384 (one per 14-bit magnitude step) to encode.
 */
export const MULAW_SILENCE = 0xff;

const BIAS = 0x84;
const CLIP = 32635;

const DECODE = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = (((u & 0x0f) << 3) + BIAS) << exponent;
  DECODE[i] = u & 0x80 ? BIAS - magnitude : magnitude - BIAS;
}

// Indexed by the biased magnitude >> 2 (the two low bits never reach the code word).
const ENCODE_MAGNITUDE = new Uint8Array((CLIP + BIAS + 4) >> 2);
for (let i = 0; i < ENCODE_MAGNITUDE.length; i++) {
  const biased = i << 2;
  let exponent = 7;
  for (let mask = 0x4000; (biased & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (biased >> (exponent + 3)) & 0x0f;
  ENCODE_MAGNITUDE[i] = (exponent << 4) | mantissa;
}

export function encodeMulawSample(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(sign ? -sample : sample, CLIP) + BIAS;
  return ~(sign | (ENCODE_MAGNITUDE[magnitude >> 2] ?? 0)) & 0xff;
}

export function encodeMulaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = encodeMulawSample(pcm[i] ?? 0);
  return out;
}

export function decodeMulaw(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = DECODE[bytes[i] ?? MULAW_SILENCE] ?? 0;
  return out;
}
