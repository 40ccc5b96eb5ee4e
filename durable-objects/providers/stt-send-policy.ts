/**
 * Which caller audio may wait to be sent to speech-to-text in a larger batch. Every WebSocket message costs the
 * runtime more than the 20 ms of audio in it costs us, so quiet audio is sent in `batchMs` batches; audio that
 * Deepgram acts on at once is never held: speech itself (its start is the barge-in cue, its words the interims) and
 * the silence after it until its endpointing and utterance-end windows have passed (the silence that ends an
 * utterance). A noisy line only loses the saving: anything not clearly quiet counts as speech.
 */
export interface SttSendPolicyOptions {
  /** Largest batch, ms of audio (20 = no batching). */
  batchMs: number;
  /** How long the silence after speech matters to the service's turn detection (ListenDialect.speechTailMs): sent at once. */
  speechTailMs: number;
}

const BYTES_PER_MS = 8; // μ-law at 8 kHz
/** Slack on top of the longest window, for frames that arrive late. */
const WINDOW_SLACK_MS = 200;
/**
 * A μ-law byte encodes a sample whose magnitude doubles with each exponent step; exponent ≥ 2 is at least 396 of
 * 32,124 (about −38 dBFS). Quiet means every sample of the frame is below that: silence or low line noise.
 */
const LOUD_EXPONENT = 2;

export class SttSendPolicy {
  readonly batchBytes: number;
  readonly #holdAfterSpeechMs: number;
  /** Audio ms since the last frame that was not quiet; starts past every window (nothing to end yet). */
  #quietMs: number;

  constructor(opts: SttSendPolicyOptions) {
    this.batchBytes = Math.max(1, Math.round(opts.batchMs)) * BYTES_PER_MS;
    this.#holdAfterSpeechMs = opts.speechTailMs + WINDOW_SLACK_MS;
    this.#quietMs = this.#holdAfterSpeechMs;
  }

  /** True when this frame may wait in a batch; false when it (and anything batched before it) goes out now. */
  mayHold(mulaw: Uint8Array): boolean {
    if (!isQuiet(mulaw)) {
      this.#quietMs = 0;
      return false;
    }
    this.#quietMs += mulaw.length / BYTES_PER_MS;
    return this.#quietMs > this.#holdAfterSpeechMs;
  }
}

/** Every sample below the loud threshold. μ-law stores the bit-inverted byte; bits 4–6 are the exponent. */
export function isQuiet(mulaw: Uint8Array): boolean {
  for (let i = 0; i < mulaw.length; i++) if (((~mulaw[i]! >> 4) & 7) >= LOUD_EXPONENT) return false;
  return true;
}
