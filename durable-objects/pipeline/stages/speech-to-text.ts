import type { ProviderError, SpeechToText, SpeechToTextListener } from "../../providers/provider-types.ts";
import type { Frame } from "../frames.ts";
import { BaseStage } from "../stage.ts";

export interface SpeechToTextStageOptions {
  agentSpeaking: () => boolean;
  /** While the agent speaks, a KeepAlive goes out this often (call-clock ms). */
  keepAliveMs?: number;
  /** Call-clock speed (tests run calls faster than real time). */
  speed?: number;
  /** The socket could not be reopened within its retry budget. */
  onFailure: (error: ProviderError) => void;
}

const KEEP_ALIVE_WHILE_SPEAKING_MS = 3_000;

/**
 * Caller audio → Deepgram live STT → speech/transcript frames (and Flux's turn_info). The socket is opened as soon
 * as the stage is attached (before the caller speaks) and stays open for the whole call; while the agent speaks,
 * KeepAlive holds it open even if caller audio stops (a muted or held line), so barge-in is heard at once. Other
 * frames pass through. A socket lost for good is reported, not broadcast as the call's end: the agent's voice still works
 * and the call apologises in it.
 */
export class SpeechToTextStage extends BaseStage {
  readonly name = "speech-to-text";
  #stt: SpeechToText | undefined;
  #keepAliveTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly open: (listener: SpeechToTextListener) => SpeechToText,
    private readonly opts: SpeechToTextStageOptions,
  ) {
    super();
  }

  get stats() {
    return this.#stt?.stats;
  }

  /** How the provider detects turns (see SpeechToText.turnDetection): known from the stage's attachment on. */
  get turnDetection(): SpeechToText["turnDetection"] {
    return this.#stt?.turnDetection;
  }

  override attach(context: Parameters<BaseStage["attach"]>[0]): void {
    super.attach(context);
    const stt = this.open({
      speechStarted: (audioMs) => this.push({ kind: "speech_started", audioMs }),
      transcript: (t) => this.push({ kind: "transcript", text: t.text, words: t.words, isFinal: t.isFinal, speechFinal: t.speechFinal }),
      utteranceEnd: (lastWordEndMs) => this.push({ kind: "utterance_end", lastWordEndMs }),
      turnInfo: (info) => this.push({ kind: "turn_info", info }),
      failed: (error) => {
        clearInterval(this.#keepAliveTimer ?? null);
        this.opts.onFailure(error);
      },
    });
    this.#stt = stt;
    void stt.connect().catch(() => {
      /* reported through listener.failed */
    });
    const everyMs = (this.opts.keepAliveMs ?? KEEP_ALIVE_WHILE_SPEAKING_MS) / (this.opts.speed ?? 1);
    this.#keepAliveTimer = setInterval(() => {
      if (this.opts.agentSpeaking()) stt.keepAlive();
    }, everyMs);
  }

  handle(frame: Frame): void {
    if (frame.kind === "caller_audio") this.#stt?.sendAudio(frame.mulaw);
    else if (frame.kind === "end") this.#stop();
    else if (frame.kind !== "interrupt") this.push(frame);
  }

  async close(): Promise<void> {
    await this.#stop();
  }

  #stop(): Promise<void> | undefined {
    clearInterval(this.#keepAliveTimer ?? null);
    return this.#stt?.close();
  }
}
