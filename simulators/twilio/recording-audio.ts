import { decodeMulaw, MULAW_SILENCE } from "../../shared/audio/mulaw.ts";

const SAMPLES_PER_MS = 8;

/** One channel of 8 kHz μ-law, written at sample offsets; gaps stay silent. */
class Track {
  #bytes = new Uint8Array(8000 * 10).fill(MULAW_SILENCE);
  #length = 0;

  write(offset: number, audio: Uint8Array): void {
    const end = offset + audio.length;
    if (end > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.#bytes.length * 2)).fill(MULAW_SILENCE);
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#bytes.set(audio, offset);
    this.#length = Math.max(this.#length, end);
  }

  /** Exactly `samples` samples: cut or padded with silence. */
  pcm(samples: number): Int16Array {
    const mulaw = new Uint8Array(samples).fill(MULAW_SILENCE);
    mulaw.set(this.#bytes.subarray(0, Math.min(samples, this.#length)));
    return decodeMulaw(mulaw);
  }
}

/**
 * A recording's audio: the caller's frames (inbound) and the agent's played audio (outbound), each placed at its
 * recorded time. Rendered as Twilio renders a `.wav`: 16-bit linear PCM at 8 kHz, two channels for a dual-channel
 * recording (caller first), else the tracks mixed into one.
 */
export class RecordingAudio {
  readonly #inbound = new Track();
  readonly #outbound = new Track();

  /** Audio heard `recordedMs` into the recording (paused time excluded). */
  capture(recordedMs: number, inbound: Uint8Array, outbound: Uint8Array): void {
    const offset = Math.round(recordedMs * SAMPLES_PER_MS);
    this.#inbound.write(offset, inbound);
    if (outbound.length > 0) this.#outbound.write(offset, outbound);
  }

  wav(durationMs: number, channels: 1 | 2, track: "inbound" | "outbound" | "both"): Uint8Array {
    const samples = Math.round(durationMs * SAMPLES_PER_MS);
    const silent = new Int16Array(samples);
    const inbound = track === "outbound" ? silent : this.#inbound.pcm(samples);
    const outbound = track === "inbound" ? silent : this.#outbound.pcm(samples);
    const dataBytes = samples * channels * 2;
    const out = new Uint8Array(44 + dataBytes);
    const view = new DataView(out.buffer);
    const ascii = (at: number, text: string) => [...text].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
    ascii(0, "RIFF");
    view.setUint32(4, 36 + dataBytes, true);
    ascii(8, "WAVE");
    ascii(12, "fmt ");
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true); // linear PCM
    view.setUint16(22, channels, true);
    view.setUint32(24, 8000, true);
    view.setUint32(28, 8000 * channels * 2, true);
    view.setUint16(32, channels * 2, true);
    view.setUint16(34, 16, true);
    ascii(36, "data");
    view.setUint32(40, dataBytes, true);
    for (let i = 0; i < samples; i++) {
      const a = inbound[i]!;
      const b = outbound[i]!;
      if (channels === 2) {
        view.setInt16(44 + i * 4, a, true);
        view.setInt16(46 + i * 4, b, true);
      } else {
        view.setInt16(44 + i * 2, Math.max(-32768, Math.min(32767, a + b)), true);
      }
    }
    return out;
  }
}
