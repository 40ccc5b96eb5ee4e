/** G.711 A-law (the European telephony companding law). Deepgram accepts it for listen and produces it for speak. */
const DECODE = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  const a = i ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  DECODE[i] = a & 0x80 ? magnitude : -magnitude;
}

export function decodeAlaw(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = DECODE[bytes[i] ?? 0xd5] ?? 0;
  return out;
}

export function encodeAlawSample(sample: number): number {
  const sign = sample >= 0 ? 0x80 : 0;
  let magnitude = Math.min(sample >= 0 ? sample : -sample - 1, 32767) >> 3;
  let exponent = 0;
  if (magnitude >= 32) {
    exponent = 1;
    while (magnitude >= 64 && exponent < 7) {
      magnitude >>= 1;
      exponent++;
    }
  }
  const mantissa = exponent === 0 ? magnitude >> 1 : (magnitude >> 1) & 0x0f;
  return ((sign | (exponent << 4) | mantissa) ^ 0x55) & 0xff;
}

export function encodeAlaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = encodeAlawSample(pcm[i] ?? 0);
  return out;
}
