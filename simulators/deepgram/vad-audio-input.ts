import { EnergyVad, type VadFrame } from "./energy-vad.ts";
import { ListenAudioDecoder, UndecodableAudioError } from "./listen-audio-decoder.ts";

/**
 * A listen stream's binary messages on their way to the VAD: decoded (the format may only be known from a WAV
 * header), then pushed through an `EnergyVad` created once the sample rate is known.
 */
export class VadAudioInput {
  readonly #decoder: ListenAudioDecoder;
  readonly #endSilenceMs: () => number;
  readonly #onFrame: (frame: VadFrame) => void;
  #vad: EnergyVad | undefined;

  constructor(decoder: ListenAudioDecoder, endSilenceMs: () => number, onFrame: (frame: VadFrame) => void) {
    this.#decoder = decoder;
    this.#endSilenceMs = endSilenceMs;
    this.#onFrame = onFrame;
  }

  /** Undefined until the first decodable audio arrives. */
  get vad(): EnergyVad | undefined {
    return this.#vad;
  }

  /** The milliseconds of audio `data` added, or "undecodable" (the stream must close with DATA-0000). */
  push(data: Uint8Array): number | "undecodable" {
    let pcm: Int16Array;
    try {
      pcm = this.#decoder.decode(data);
    } catch (error) {
      if (!(error instanceof UndecodableAudioError)) throw error;
      return "undecodable";
    }
    const sampleRate = this.#decoder.sampleRate;
    if (sampleRate === undefined || pcm.length === 0) return 0;
    this.#vad ??= new EnergyVad({ sampleRate, endSilenceMs: this.#endSilenceMs() });
    const before = this.#vad.audioMs;
    this.#vad.push(pcm, this.#onFrame);
    return this.#vad.audioMs - before;
  }
}
