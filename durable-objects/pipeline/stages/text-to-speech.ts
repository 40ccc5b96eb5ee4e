import { dtmfTones } from "../../../shared/audio/dtmf.ts";
import { encodeMulaw } from "../../../shared/audio/mulaw.ts";
import type { ProviderError, TextToSpeech, TextToSpeechListener } from "../../providers/provider-types.ts";
import type { Frame } from "../frames.ts";
import type { SpeechLedger } from "../speech-ledger.ts";
import { BaseStage } from "../stage.ts";
import type { TurnMetrics } from "../turn-metrics.ts";

interface Pending {
  turnId: number;
  chunkId: number;
  /** Tones are produced locally but must play in their place between speech chunks. */
  tones?: Uint8Array;
}

/**
 * Speech chunks → Deepgram Aura-2 (μ-law 8 kHz, so the bytes go to Twilio unconverted) → audio frames, in chunk
 * order. The socket is opened when the stage is attached and kept warm for the call. On interrupt the provider
 * is cleared and nothing queued before it is ever emitted.
 */
export class TextToSpeechStage extends BaseStage {
  readonly name = "text-to-speech";
  #tts: TextToSpeech | undefined;
  #pending: Pending[] = [];
  /** A reply's end waits for its last chunk's audio, so playback knows when the reply has been fully heard. */
  #deferredDone: Frame[] = [];

  constructor(
    private readonly open: (listener: TextToSpeechListener) => TextToSpeech,
    private readonly deps: {
      metrics: TurnMetrics;
      ledger: SpeechLedger;
      onFailure: (error: ProviderError) => void;
      /** Call-clock speed: the provider's rate limits are counted on the call clock. */
      speed?: number;
    },
  ) {
    super();
  }

  get stats() {
    return this.#tts?.stats;
  }

  /** Speech was asked for and its audio has not all arrived yet. */
  hasPending(): boolean {
    return this.#pending.length > 0;
  }

  override attach(context: Parameters<BaseStage["attach"]>[0]): void {
    super.attach(context);
    this.#tts = this.open({
      audio: (chunkId, mulaw) => this.#audio(chunkId, mulaw),
      done: (chunkId) => this.#done(chunkId),
      failed: (error) => this.deps.onFailure(error),
      callClockMs: () => this.context.now() * (this.deps.speed ?? 1),
    });
    void this.#tts.connect().catch(() => {
      /* reported through listener.failed */
    });
  }

  handle(frame: Frame): void {
    switch (frame.kind) {
      case "speak":
        this.deps.metrics.mark(frame.turnId, "first_chunk_to_tts", this.context.now());
        this.deps.ledger.said(frame.turnId, frame.chunkId, frame.text);
        this.#pending.push({ turnId: frame.turnId, chunkId: frame.chunkId });
        this.#tts?.speak(frame.chunkId, frame.text);
        return;
      case "play_dtmf":
        this.#pending.push({ turnId: frame.turnId, chunkId: frame.chunkId, tones: encodeMulaw(dtmfTones(frame.digits)) });
        this.#releaseTones();
        return this.#releaseDone();
      case "reply_done":
        this.#deferredDone.push(frame);
        return this.#releaseDone();
      case "interrupt":
        if (this.#pending.length > 0) this.#tts?.clear();
        this.#pending = [];
        this.#deferredDone = [];
        return;
      case "end":
        void this.#tts?.close();
        return;
      default:
        this.push(frame);
    }
  }

  async close(): Promise<void> {
    await this.#tts?.close();
  }

  #audio(chunkId: number, mulaw: Uint8Array): void {
    const chunk = this.#pending.find((p) => p.chunkId === chunkId);
    if (!chunk) return; // cleared: stale audio never reaches the caller
    this.deps.metrics.mark(chunk.turnId, "tts_first_byte", this.context.now());
    this.push({ kind: "agent_audio", turnId: chunk.turnId, chunkId, mulaw });
  }

  #done(chunkId: number): void {
    const index = this.#pending.findIndex((p) => p.chunkId === chunkId);
    if (index < 0) return;
    const [chunk] = this.#pending.splice(index, 1);
    this.push({ kind: "agent_audio_done", turnId: chunk!.turnId, chunkId });
    this.#releaseTones();
    this.#releaseDone();
  }

  #releaseDone(): void {
    this.#deferredDone = this.#deferredDone.filter((f) => {
      const waiting = f.kind === "reply_done" && this.#pending.some((p) => p.turnId <= f.turnId);
      if (!waiting) this.push(f);
      return waiting;
    });
  }

  /** Tones at the head of the queue play once every speech chunk before them is done. */
  #releaseTones(): void {
    while (this.#pending[0]?.tones) {
      const { turnId, chunkId, tones } = this.#pending.shift()!;
      this.push({ kind: "agent_audio", turnId, chunkId, mulaw: tones! });
      this.push({ kind: "agent_audio_done", turnId, chunkId });
    }
  }
}
