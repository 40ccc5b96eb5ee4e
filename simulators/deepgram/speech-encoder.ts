import { encodeMulaw } from "../../shared/audio/mulaw.ts";
import { synthesizeSpeech } from "../common/speech-audio.ts";
import { encodeAlaw } from "./alaw.ts";
import type { SpeakContainer, SpeakEncoding } from "./speak-params.ts";

/** Audio for `text` in a speak request's format, with the voice picked deterministically from the model name. */
export async function speakAudio(text: string, model: string, encoding: SpeakEncoding, sampleRate: number): Promise<Uint8Array> {
  const speech = await synthesizeSpeech(text, { sampleRate, seed: voiceSeed(model) });
  return encodePcm(speech.pcm, encoding);
}

export function encodePcm(pcm: Int16Array, encoding: SpeakEncoding): Uint8Array {
  if (encoding === "mulaw") return encodeMulaw(pcm);
  if (encoding === "alaw") return encodeAlaw(pcm);
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i] ?? 0, true);
  return out;
}

export const bytesPerSecond = (encoding: SpeakEncoding, sampleRate: number): number => sampleRate * (encoding === "linear16" ? 2 : 1);

/** A 44-byte (PCM) or 46-byte (G.711, which needs cbSize) WAV header for `dataBytes` of audio. */
export function wavHeader(encoding: SpeakEncoding, sampleRate: number, dataBytes: number): Uint8Array {
  const pcm = encoding === "linear16";
  const fmtSize = pcm ? 16 : 18;
  const header = new Uint8Array(20 + fmtSize + 8);
  const view = new DataView(header.buffer);
  const ascii = (offset: number, s: string): void => [...s].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  const bytesPerSample = pcm ? 2 : 1;
  ascii(0, "RIFF");
  view.setUint32(4, header.length - 8 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, fmtSize, true);
  view.setUint16(20, encoding === "linear16" ? 1 : encoding === "alaw" ? 6 : 7, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * bytesPerSample, true);
  view.setUint16(32, bytesPerSample, true);
  view.setUint16(34, bytesPerSample * 8, true);
  ascii(20 + fmtSize, "data");
  view.setUint32(24 + fmtSize, dataBytes, true);
  return header;
}

export function contentType(encoding: SpeakEncoding, sampleRate: number, container: SpeakContainer): string {
  if (container === "wav") return "audio/wav";
  return encoding === "linear16" ? `audio/l16;rate=${sampleRate}` : `audio/${encoding};rate=${sampleRate}`;
}

function voiceSeed(model: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < model.length; i++) h = Math.imul(h ^ model.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
