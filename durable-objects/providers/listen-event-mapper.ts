import type { Word } from "../pipeline/frames.ts";
import type { ListenResults } from "./deepgram-messages.ts";
import type { SpeechToTextListener } from "./provider-types.ts";

/**
 * Turns one socket's listen events into listener calls on the call's audio clock. Each socket's timestamps start
 * at 0 at `baseMs` (the call-clock position of the first audio it was sent). After a reconnect the replayed audio
 * is heard a second time, so events it repeats are dropped: final words already delivered (by call-clock time), a
 * second SpeechStarted for speech already announced, an UtteranceEnd already reported.
 */
export class ListenEventMapper {
  readonly #listener: SpeechToTextListener;
  /** End of the last word delivered in a final result. */
  #finalWordsEndMs = Number.NEGATIVE_INFINITY;
  #lastUtteranceEndMs = Number.NEGATIVE_INFINITY;
  /** SpeechStarted was delivered and no endpoint (speech_final / UtteranceEnd) has closed that speech yet. */
  #inSpeech = false;
  /** Audio before this call-clock point was already heard by a socket that was lost. */
  #replayEndMs = 0;
  duplicatesDropped = 0;

  constructor(listener: SpeechToTextListener) {
    this.#listener = listener;
  }

  /** A replacement socket starts; audio up to `replayEndMs` was already sent to the lost one. */
  replaying(replayEndMs: number): void {
    this.#replayEndMs = replayEndMs;
  }

  /** Delivers a Results message; returns the call-clock end of a final span (audio before it is settled). */
  results(m: ListenResults, baseMs: number): number | undefined {
    const alternative = m.channel.alternatives[0];
    const all: Word[] = (alternative?.words ?? []).map((w) => ({
      word: w.punctuated_word ?? w.word,
      startMs: Math.round(baseMs + w.start * 1000),
      endMs: Math.round(baseMs + w.end * 1000),
    }));
    const words = all.filter((w) => (w.startMs + w.endMs) / 2 >= this.#finalWordsEndMs);
    const settledMs = m.is_final ? Math.round(baseMs + (m.start + m.duration) * 1000) : undefined;
    if (words.length < all.length) {
      this.duplicatesDropped += all.length - words.length;
      if (words.length === 0) return settledMs;
    }
    const last = words.at(-1);
    if (m.is_final && last) this.#finalWordsEndMs = Math.max(this.#finalWordsEndMs, last.endMs);
    if (m.speech_final) this.#inSpeech = false;
    const text = words.length === all.length ? (alternative?.transcript ?? "") : words.map((w) => w.word).join(" ");
    this.#listener.transcript({ text, words, isFinal: m.is_final, speechFinal: m.speech_final, fromFinalize: m.from_finalize });
    return settledMs;
  }

  speechStarted(timestampS: number, baseMs: number): void {
    const atMs = Math.round(baseMs + timestampS * 1000);
    if (this.#inSpeech && atMs < this.#replayEndMs) {
      this.duplicatesDropped++;
      return;
    }
    this.#inSpeech = true;
    this.#listener.speechStarted(atMs);
  }

  utteranceEnd(lastWordEndS: number, baseMs: number): void {
    const atMs = Math.round(baseMs + lastWordEndS * 1000);
    if (atMs <= this.#lastUtteranceEndMs) {
      this.duplicatesDropped++;
      return;
    }
    this.#lastUtteranceEndMs = atMs;
    this.#inSpeech = false;
    this.#listener.utteranceEnd(atMs);
  }
}
