import type { SpeechToText, SpeechToTextListener } from "../../providers/provider-types.ts";
import type { Frame } from "../frames.ts";
import { BaseStage } from "../stage.ts";

/**
 * Caller audio → Deepgram live STT → speech/transcript frames. The socket is opened as soon as the stage is
 * attached (before the caller speaks) and stays open for the whole call; other frames pass through.
 */
export class SpeechToTextStage extends BaseStage {
  readonly name = "speech-to-text";
  #stt: SpeechToText | undefined;

  constructor(private readonly open: (listener: SpeechToTextListener) => SpeechToText) {
    super();
  }

  get stats() {
    return this.#stt?.stats;
  }

  override attach(context: Parameters<BaseStage["attach"]>[0]): void {
    super.attach(context);
    this.#stt = this.open({
      speechStarted: (audioMs) => this.push({ kind: "speech_started", audioMs }),
      transcript: (t) => this.push({ kind: "transcript", text: t.text, words: t.words, isFinal: t.isFinal, speechFinal: t.speechFinal }),
      utteranceEnd: (lastWordEndMs) => this.push({ kind: "utterance_end", lastWordEndMs }),
      failed: (error) => this.context.broadcast({ kind: "end", reason: `stt_failed: ${error.message}` }),
    });
    void this.#stt.connect().catch(() => {
      /* reported through listener.failed */
    });
  }

  handle(frame: Frame): void {
    if (frame.kind === "caller_audio") this.#stt?.sendAudio(frame.mulaw);
    else if (frame.kind === "end") void this.#stt?.close();
    else if (frame.kind !== "interrupt") this.push(frame);
  }

  async close(): Promise<void> {
    await this.#stt?.close();
  }
}
