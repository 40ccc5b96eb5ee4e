import { decodeMulaw } from "../../shared/audio/mulaw.ts";
import { decodeAlaw } from "./alaw.ts";
import type { ListenEncoding } from "./listen-params.ts";

/** Thrown for bytes that can't be audio in the declared format; the session closes with 1008 DATA-0000. */
export class UndecodableAudioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UndecodableAudioError";
  }
}

interface Format {
  encoding: "linear16" | "mulaw" | "alaw";
  sampleRate: number;
  channels: number;
}

const WAV_FORMATS: Record<number, Format["encoding"]> = { 1: "linear16", 6: "alaw", 7: "mulaw" };

/**
 * Turns the binary frames of a listen stream into mono 16-bit PCM. Frames may split samples anywhere, so partial
 * samples carry over. Without an `encoding` parameter the stream must start with a WAV header (Deepgram sniffs
 * containers; WAV is the only one the simulator understands).
 */
export class ListenAudioDecoder {
  #format: Format | undefined;
  #pending: Uint8Array = new Uint8Array(0);
  #header: Uint8Array = new Uint8Array(0);

  constructor(encoding: ListenEncoding | undefined, sampleRate: number | undefined, channels: number) {
    if (encoding !== undefined && sampleRate !== undefined) {
      this.#format = { encoding: encoding as Format["encoding"], sampleRate, channels };
    }
  }

  /** undefined until a container header has been read. */
  get sampleRate(): number | undefined {
    return this.#format?.sampleRate;
  }

  get channels(): number | undefined {
    return this.#format?.channels;
  }

  decode(chunk: Uint8Array): Int16Array {
    let bytes = chunk;
    if (!this.#format) {
      bytes = this.#readHeader(chunk);
      if (!this.#format) return new Int16Array(0);
    }
    const format: Format = this.#format;
    const sampleBytes = format.encoding === "linear16" ? 2 : 1;
    const frameBytes = sampleBytes * format.channels;
    const joined = concat(this.#pending, bytes);
    const usable = joined.length - (joined.length % frameBytes);
    this.#pending = joined.slice(usable);
    const body = joined.subarray(0, usable);
    const interleaved = format.encoding === "linear16" ? readLinear16(body) : format.encoding === "mulaw" ? decodeMulaw(body) : decodeAlaw(body);
    return downmix(interleaved, format.channels);
  }

  #readHeader(chunk: Uint8Array): Uint8Array {
    const buf = concat(this.#header, chunk);
    const ascii = (o: number): string => String.fromCharCode(buf[o] ?? 0, buf[o + 1] ?? 0, buf[o + 2] ?? 0, buf[o + 3] ?? 0);
    if (buf.length >= 4 && ascii(0) !== "RIFF") {
      throw new UndecodableAudioError("no encoding parameter and the audio is not a WAV container");
    }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let offset = 12;
    let format: Format | undefined;
    while (offset + 8 <= buf.length) {
      const id = ascii(offset);
      const size = view.getUint32(offset + 4, true);
      if (id === "fmt " && offset + 8 + 16 <= buf.length) {
        const tag = view.getUint16(offset + 8, true);
        const encoding = WAV_FORMATS[tag];
        if (!encoding) throw new UndecodableAudioError(`unsupported WAV format tag ${tag}`);
        format = { encoding, channels: view.getUint16(offset + 10, true), sampleRate: view.getUint32(offset + 12, true) };
      } else if (id === "data") {
        if (!format || format.channels < 1 || format.sampleRate < 1) throw new UndecodableAudioError("WAV data chunk before a valid fmt chunk");
        this.#format = format;
        this.#header = new Uint8Array(0);
        return buf.slice(offset + 8);
      }
      offset += 8 + size + (size & 1);
    }
    if (buf.length > 64 * 1024) throw new UndecodableAudioError("WAV header not found in the first 64 KiB");
    this.#header = buf;
    return new Uint8Array(0);
  }
}

function readLinear16(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

function downmix(interleaved: Int16Array, channels: number): Int16Array {
  if (channels === 1) return interleaved;
  const out = new Int16Array(Math.floor(interleaved.length / channels));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i * channels + c] ?? 0;
    out[i] = Math.round(sum / channels);
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A `ws` message payload as bytes (ws hands over a Buffer, an ArrayBuffer or fragments). */
export function wsBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
