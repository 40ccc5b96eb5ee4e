import type { ProviderError, TextToSpeechListener } from "../provider-types.ts";

type Event = { kind: "audio"; id: number; bytes: Uint8Array } | { kind: "done"; id: number };

/** What a TTS client hands its listener, in order, for tests to read back. */
export class TtsRecorder implements TextToSpeechListener {
  readonly events: Event[] = [];
  readonly failures: ProviderError[] = [];
  onAudio: ((id: number) => void) | undefined;
  audio(id: number, mulaw: Uint8Array): void {
    this.events.push({ kind: "audio", id, bytes: mulaw });
    this.onAudio?.(id);
  }
  done(id: number): void {
    this.events.push({ kind: "done", id });
  }
  failed(error: ProviderError): void {
    this.failures.push(error);
  }
  get doneIds(): number[] {
    return this.events.filter((e) => e.kind === "done").map((e) => e.id);
  }
  bytes(id: number): number {
    return this.events.reduce((n, e) => n + (e.kind === "audio" && e.id === id ? e.bytes.length : 0), 0);
  }
  /** Event kinds with consecutive repeats collapsed: `audio:1, done:1, audio:2, done:2`. */
  get shape(): string[] {
    return this.events.map((e) => `${e.kind}:${e.id}`).filter((s, i, all) => s !== all[i - 1]);
  }
}
