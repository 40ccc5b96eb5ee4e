import { MULAW_SILENCE } from "../../shared/audio/mulaw.ts";
import { FRAME_BYTES } from "./playback-queue.ts";

const SILENCE_FRAME = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);

/**
 * The caller's side of the phone line: one 160-byte μ-law frame per 20 ms, speech while an utterance is being
 * spoken and line silence otherwise, as a real call sends continuously.
 */
export class CallerLine {
  #frames: Uint8Array[] = [];
  #next = 0;

  get speaking(): boolean {
    return this.#next < this.#frames.length;
  }

  /** Starts an utterance with the next frame; an utterance in progress is cut off. */
  speak(mulaw: Uint8Array): void {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < mulaw.length; i += FRAME_BYTES) {
      const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
      frame.set(mulaw.subarray(i, i + FRAME_BYTES));
      frames.push(frame);
    }
    this.#frames = frames;
    this.#next = 0;
  }

  stopSpeaking(): void {
    this.#frames = [];
    this.#next = 0;
  }

  nextFrame(): Uint8Array {
    if (!this.speaking) return SILENCE_FRAME;
    return this.#frames[this.#next++]!;
  }
}
