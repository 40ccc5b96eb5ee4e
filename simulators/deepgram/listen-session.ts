import { createHash, type Hash } from "node:crypto";
import type { WebSocket } from "ws";
import type { LatencySampler } from "../common/latency-profile.ts";
import type { ExpectedUtterance, UtteranceRegistry } from "../common/utterance-registry.ts";
import { parseClientMessage } from "./client-text-message.ts";
import { CLOSE } from "./deepgram-error.ts";
import type { VadFrame } from "./energy-vad.ts";
import { ListenAudioDecoder } from "./listen-audio-decoder.ts";
import { listenControlMessage, listenMetadataMessage, resultsMessage, speechStartedMessage, utteranceEndMessage } from "./listen-messages.ts";
import type { ListenParams } from "./listen-params.ts";
import type { ModelInfo } from "./model-info.ts";
import { Outbox } from "./outbox.ts";
import { SegmentTranscript, segmentWords, type TimedWord } from "./segment-transcript.ts";
import type { DeepgramStats } from "./simulator-stats.ts";
import { endSilenceMs, type ListenTiming } from "./listen-timing.ts";
import { StreamLifecycle } from "./stream-lifecycle.ts";
import { UtteranceLocator } from "./utterance-locator.ts";
import { VadAudioInput } from "./vad-audio-input.ts";

export interface ListenSessionDeps {
  socket: WebSocket;
  params: ListenParams;
  requestId: string;
  model: ModelInfo;
  registry: UtteranceRegistry;
  sampler: LatencySampler;
  stats: DeepgramStats;
  timing: ListenTiming;
  seed: number;
  /** Close the socket with 1011 after this long (a simulated network drop). */
  dropAfterMs?: number;
}

interface Segment {
  index: number;
  startMs: number;
  transcript?: SegmentTranscript;
  utterance?: ExpectedUtterance;
  committed: number;
  committedEndMs: number;
  lastInterimMs: number;
}

/**
 * One `/v1/listen` stream: decodes audio, runs the VAD on audio time, and turns speech segments into Deepgram's
 * message sequence (SpeechStarted → interim Results → final Results with speech_final → UtteranceEnd).
 */
export class ListenSession {
  readonly #d: ListenSessionDeps;
  readonly #p: ListenParams;
  readonly #audio: VadAudioInput;
  readonly #outbox = new Outbox();
  readonly #life: StreamLifecycle;
  #hash: Hash = createHash("sha256");
  readonly #created = new Date();
  #spanStartMs = 0;
  #segment: Segment | undefined;
  #segments = 0;
  /** Utterances whose final is queued but not yet delivered; later segments of this stream must skip them. */
  readonly #claimed = new Set<number>();
  #lastWordEndMs = 0;
  #wordsSinceUtteranceEnd = false;
  #sentAny = false;
  /** Raw μ-law streams only: other encodings do not carry the caller's bytes as sent. */
  readonly #locator: UtteranceLocator | undefined;

  constructor(deps: ListenSessionDeps) {
    this.#d = deps;
    this.#p = deps.params;
    const { encoding, sampleRate, channels } = deps.params;
    this.#locator = encoding === "mulaw" && sampleRate ? new UtteranceLocator((sampleRate / 1000) * channels) : undefined;
    const decoder = new ListenAudioDecoder(deps.params.encoding, deps.params.sampleRate, deps.params.channels);
    this.#audio = new VadAudioInput(decoder, () => endSilenceMs(this.#p.endpointingMs, deps.timing), (frame) => this.#onFrame(frame));
    this.#life = new StreamLifecycle({
      socket: deps.socket,
      outbox: this.#outbox,
      stats: deps.stats.listen,
      idleTimeoutMs: deps.timing.idleTimeoutMs,
      dropAfterMs: deps.dropAfterMs,
      onText: (text) => this.#onControl(text),
      onAudio: (data) => this.#onAudio(data),
    });
  }

  #onAudio(data: Uint8Array): void {
    if (data.length === 0) {
      // Deprecated end-of-stream signal, still honoured by the service.
      this.#closeStream();
      return;
    }
    this.#d.stats.listen.audioBytesReceived += data.length;
    this.#hash.update(data);
    this.#locator?.scan(data, this.#d.registry.upcoming(this.#p.extra["call_sid"]));
    const addedMs = this.#audio.push(data);
    if (addedMs === "undecodable") return this.#life.close(CLOSE.badData.code, CLOSE.badData.reason);
    this.#d.stats.listen.audioMsReceived += addedMs;
  }

  #onControl(text: string): void {
    const message = parseClientMessage(listenControlMessage, text);
    if (message === undefined) {
      this.#d.stats.listen.unknownMessages++;
      this.#life.armIdle();
      return;
    }
    switch (message.type) {
      case "KeepAlive":
        this.#d.stats.listen.keepAlives++;
        // Per Deepgram's troubleshooting notes, KeepAlive alone doesn't hold a fresh socket open: audio must come first.
        if (this.#sentAny) this.#life.armIdle();
        return;
      case "Finalize":
        this.#d.stats.listen.finalizes++;
        this.#life.armIdle();
        this.#flush(true);
        return;
      case "CloseStream":
        this.#life.armIdle();
        this.#closeStream();
        return;
      case "Configure":
        this.#life.armIdle();
        return;
    }
  }

  #onFrame(f: VadFrame): void {
    const t = this.#d.timing;
    if (f.speechStartedAtMs !== undefined) {
      this.#segment = { index: this.#segments++, startMs: f.speechStartedAtMs, committed: 0, committedEndMs: 0, lastInterimMs: f.speechStartedAtMs };
      if (this.#p.vadEvents) {
        this.#d.stats.listen.speechStartedSent++;
        this.#send(speechStartedMessage(f.speechStartedAtMs, this.#p.channels));
      }
    }
    const seg = this.#segment;
    if (seg && f.speechEndedAtMs !== undefined) {
      this.#endSegment(seg, f.speechEndedAtMs, f.endMs, { speechFinal: this.#p.endpointingMs !== false, fromFinalize: false });
    } else if (seg) {
      if (this.#p.interimResults && f.endMs - seg.lastInterimMs >= t.interimIntervalMs) {
        seg.lastInterimMs = f.endMs;
        this.#partial(seg, f.lastVoicedMs, f.endMs, false, false);
      }
      if (f.endMs - this.#spanStartMs >= t.maxSpanMs) this.#partial(seg, f.lastVoicedMs, f.endMs, true, false);
    }
    if (this.#segment) return;
    const utteranceEndMs = this.#p.utteranceEndMs;
    if (utteranceEndMs !== undefined && this.#wordsSinceUtteranceEnd && f.endMs - this.#lastWordEndMs >= utteranceEndMs) {
      this.#wordsSinceUtteranceEnd = false;
      this.#d.stats.listen.utteranceEndsSent++;
      this.#send(utteranceEndMessage(this.#lastWordEndMs, this.#p.channels));
    }
    if (f.endMs - this.#spanStartMs >= t.silenceFinalMs) this.#emitResults([], f.endMs, { isFinal: true, speechFinal: false, fromFinalize: false });
  }

  /** Interim (isFinal=false) or mid-speech final of the words heard so far in the current span. */
  #partial(seg: Segment, lastVoicedMs: number, nowMs: number, isFinal: boolean, fromFinalize: boolean): void {
    const transcript = this.#transcriptFor(seg);
    const heard = transcript.heardCount(lastVoicedMs - seg.startMs, false);
    if (heard <= seg.committed && !fromFinalize) return;
    const words = transcript.timed(seg.committed, Math.max(seg.committed, heard), seg.startMs, undefined, seg.committedEndMs);
    if (isFinal) {
      seg.committed = Math.max(seg.committed, heard);
      seg.committedEndMs = words.at(-1)?.endMs ?? seg.committedEndMs;
    }
    this.#emitResults(words, nowMs, { isFinal, speechFinal: false, fromFinalize });
  }

  #endSegment(seg: Segment, speechEndMs: number, nowMs: number, flags: { speechFinal: boolean; fromFinalize: boolean }): void {
    const merged = this.#mergeLaterSounds(seg, speechEndMs);
    const transcript = this.#transcriptFor(seg);
    const heard = transcript.heardCount(speechEndMs - seg.startMs, true);
    const words = transcript.timed(seg.committed, heard, seg.startMs, speechEndMs, seg.committedEndMs);
    this.#segment = undefined;
    // sttFinal counts from the end of speech, endpointing silence included (see ../common/latency-profile.ts); the
    // silence already heard (audio time) is spent, and a final never precedes the endpoint.
    const sinceSpeechEndMs = nowMs - speechEndMs;
    const delayMs = Math.max(0, this.#d.sampler.withTail(this.#d.sampler.draw(this.#d.sampler.profile.sttFinal)) - sinceSpeechEndMs);
    const utterances = [...(seg.utterance ? [seg.utterance] : []), ...merged];
    for (const u of utterances) this.#claimed.add(u.id);
    this.#emitResults(words, nowMs, { isFinal: true, ...flags }, delayMs, () => {
      // Consumed only once delivered: a stream that dies first leaves the utterance for its replacement.
      for (const u of utterances) this.#d.registry.consume(u);
    });
  }

  /**
   * Utterances that began inside this segment after its own (the caller coughed within the endpointing window of an
   * "mm-hm"): the VAD heard one segment, so they are its words too, and no later segment takes them.
   */
  #mergeLaterSounds(seg: Segment, speechEndMs: number): ExpectedUtterance[] {
    const locator = this.#locator;
    if (!locator) return [];
    this.#transcriptFor(seg);
    const pending = this.#d.registry.upcoming(this.#p.extra["call_sid"]).filter((u) => u !== seg.utterance);
    const merged = locator.mergedInto(seg.startMs, speechEndMs, pending, this.#claimed);
    const texts = [seg.utterance?.text, ...merged.map((u) => u.text)].filter(Boolean);
    if (seg.utterance && texts.length > 1) seg.transcript = SegmentTranscript.scripted(texts.join(" "), this.#d.seed);
    return merged;
  }

  #emitResults(words: TimedWord[], endMs: number, flags: { isFinal: boolean; speechFinal: boolean; fromFinalize: boolean }, delayMs = 0, onSent?: () => void): void {
    const startMs = this.#spanStartMs;
    if (flags.isFinal) this.#spanStartMs = endMs;
    const last = words.at(-1);
    if (last) {
      // A final's timings supersede the interims' estimates for the same words.
      this.#lastWordEndMs = flags.isFinal ? last.endMs : Math.max(this.#lastWordEndMs, last.endMs);
      this.#wordsSinceUtteranceEnd = true;
    }
    const message = resultsMessage({ words, startMs, endMs, ...flags, punctuate: this.#p.punctuate || this.#p.smartFormat, channels: this.#p.channels, requestId: this.#d.requestId, model: this.#d.model });
    this.#d.stats.listen.resultsSent++;
    if (flags.speechFinal) this.#d.stats.listen.speechFinalsSent++;
    this.#send(message, delayMs, onSent);
  }

  #transcriptFor(seg: Segment): SegmentTranscript {
    if (!seg.transcript) {
      const next = segmentWords(this.#d.registry, this.#p.extra["call_sid"], this.#claimed, this.#d.seed, seg.index);
      seg.transcript = next.transcript;
      seg.utterance = next.utterance;
    }
    return seg.transcript;
  }

  /** Finalize / CloseStream: finish the current span now. A pause already under way counts as the end of speech. */
  #flush(fromFinalize: boolean): void {
    const vad = this.#audio.vad;
    const nowMs = vad?.audioMs ?? 0;
    const seg = this.#segment;
    if (vad && seg) {
      if (nowMs - vad.lastVoicedMs >= this.#d.timing.vadHangoverMs / 2) {
        vad.endSpeech();
        this.#endSegment(seg, vad.lastVoicedMs, nowMs, { speechFinal: true, fromFinalize });
      } else {
        this.#partial(seg, vad.lastVoicedMs, nowMs, true, fromFinalize);
      }
      return;
    }
    this.#emitResults([], nowMs, { isFinal: true, speechFinal: false, fromFinalize });
  }

  #closeStream(): void {
    this.#life.stopReading();
    this.#d.stats.listen.closeStreams++;
    this.#flush(false);
    this.#send(
      listenMetadataMessage({
        requestId: this.#d.requestId,
        sha256: this.#hash.copy().digest("hex"),
        created: this.#created,
        durationMs: this.#audio.vad?.audioMs ?? 0,
        channels: this.#p.channels,
        model: this.#d.model,
      }),
    );
    void this.#outbox.drained().then(() => this.#life.close(CLOSE.normal.code, CLOSE.normal.reason));
  }

  #send(message: Record<string, unknown>, delayMs = 0, onSent?: () => void): void {
    this.#sentAny = true;
    void this.#outbox.push(() => {
      this.#d.socket.send(JSON.stringify(message));
      this.#d.stats.listen.messagesSent++;
      onSent?.();
    }, delayMs);
  }
}
