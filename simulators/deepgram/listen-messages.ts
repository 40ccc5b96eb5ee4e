import { z } from "zod";
import type { ModelInfo } from "./model-info.ts";
import type { TimedWord } from "./segment-transcript.ts";

/** Client → server control messages on `/v1/listen` (text frames), validated on every receipt. */
export const listenControlMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("KeepAlive") }),
  z.object({ type: z.literal("Finalize"), channel: z.number().int().optional() }),
  z.object({ type: z.literal("CloseStream") }),
  z.object({ type: z.literal("Configure") }).loose(),
]);
export type ListenControlMessage = z.infer<typeof listenControlMessage>;

/** Deepgram reports times in seconds; millisecond precision is what it sends in practice. */
const seconds = (ms: number): number => Math.round(ms) / 1000;

export interface ResultsInput {
  words: TimedWord[];
  startMs: number;
  endMs: number;
  isFinal: boolean;
  speechFinal: boolean;
  fromFinalize: boolean;
  punctuate: boolean;
  channels: number;
  requestId: string;
  model: ModelInfo;
}

export function resultsMessage(r: ResultsInput): Record<string, unknown> {
  const words = r.words.map((w) => ({
    word: w.word,
    start: seconds(w.startMs),
    end: seconds(w.endMs),
    confidence: w.confidence,
    ...(r.punctuate ? { punctuated_word: w.punctuated } : {}),
  }));
  const transcript = r.words.map((w) => (r.punctuate ? w.punctuated : w.word)).join(" ");
  const confidence = r.words.length === 0 ? 0 : Math.round((r.words.reduce((n, w) => n + w.confidence, 0) / r.words.length) * 10_000) / 10_000;
  return {
    type: "Results",
    channel_index: [0, r.channels],
    duration: seconds(r.endMs - r.startMs),
    start: seconds(r.startMs),
    is_final: r.isFinal,
    speech_final: r.speechFinal,
    from_finalize: r.fromFinalize,
    channel: { alternatives: [{ transcript, confidence, words }] },
    metadata: { request_id: r.requestId, model_info: { name: r.model.name, version: r.model.version, arch: r.model.arch }, model_uuid: r.model.uuid },
  };
}

export const speechStartedMessage = (atMs: number, channels: number): Record<string, unknown> => ({
  type: "SpeechStarted",
  channel: [0, channels],
  timestamp: seconds(atMs),
});

export const utteranceEndMessage = (lastWordEndMs: number, channels: number): Record<string, unknown> => ({
  type: "UtteranceEnd",
  channel: [0, channels],
  last_word_end: seconds(lastWordEndMs),
});

export interface StreamSummary {
  requestId: string;
  sha256: string;
  created: Date;
  durationMs: number;
  channels: number;
  model: ModelInfo;
}

export const listenMetadataMessage = (s: StreamSummary): Record<string, unknown> => ({
  type: "Metadata",
  transaction_key: "deprecated",
  request_id: s.requestId,
  sha256: s.sha256,
  created: s.created.toISOString(),
  duration: seconds(s.durationMs),
  channels: s.channels,
  models: [s.model.uuid],
  model_info: { [s.model.uuid]: { name: s.model.name, version: s.model.version, arch: s.model.arch } },
});
