/**
 * Test helpers for the provider clients against the local Deepgram simulator (its `/__control` API), from inside
 * workerd: the simulator's synthesized speech comes over HTTP because workerd can't run the synthesizer.
 */
import { env } from "cloudflare:workers";
import { afterEach, expect, vi } from "vitest";
import type { Word } from "../../pipeline/frames.ts";
import type { TextToSpeech } from "../provider-types.ts";
import type { TtsRecorder } from "./tts-recorder.ts";

export interface Speech {
  bytes: Uint8Array;
  durationMs: number;
  words: { word: string; startMs: number; endMs: number }[];
}

const control = async (path: string, body?: unknown): Promise<Response> => {
  const init = body === undefined ? {} : { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } };
  const res = await fetch(`${env.DEEPGRAM_ISOLATED_BASE_URL}/__control/${path}`, init);
  if (!res.ok) throw new Error(`simulator control ${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
};

/** The scripted caller is about to say `text` on `callSid` (the simulator transcribes it from the registry). */
export async function expectUtterance(callSid: string, text: string): Promise<void> {
  await (await control("expect", { callSid, text })).body?.cancel();
}

/** The next socket of that kind is closed by the simulator with 1011 NET-0000, `afterMs` after it opens. */
export async function dropNextSocket(socket: "listen" | "flux" | "speak", afterMs: number): Promise<void> {
  await (await control("drop-next", { socket, afterMs })).body?.cancel();
}

/** The simulator's synthetic speech for `text` (μ-law 8 kHz), which is also exactly what its TTS sends for it. */
export async function speech(text: string): Promise<Speech> {
  const res = await control(`speech?text=${encodeURIComponent(text)}`);
  const words = JSON.parse(res.headers.get("x-speech-words") ?? "[]") as Speech["words"];
  return { bytes: new Uint8Array(await res.arrayBuffer()), durationMs: Number(res.headers.get("x-speech-duration-ms")), words };
}

export const silence = (ms: number): Uint8Array => new Uint8Array(ms * 8).fill(0xff);

/** Feeds audio the way Twilio does: 20 ms (160-byte) frames. */
export function sendFrames(sink: { sendAudio(mulaw: Uint8Array): void }, ...parts: Uint8Array[]): void {
  for (const part of parts) for (let i = 0; i < part.length; i += 160) sink.sendAudio(part.subarray(i, i + 160));
}

export const uniqueCallSid = (label: string): string => `CA-${label}-${crypto.randomUUID().slice(0, 8)}`;

export const DEEPGRAM = { baseUrl: () => env.DEEPGRAM_ISOLATED_BASE_URL, apiKey: () => env.DEEPGRAM_API_KEY };

/** The clients a test file opens: push each one, and every one is closed after each test. */
export function closedAfterEach<T extends { close(): Promise<void> }>(): T[] {
  const open: T[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  return open;
}

/** Reply chunks the speech tests speak: two short sentences, and a long text of `repeats` sentences. */
export const FIRST_CHUNK = "Sure, I can help with that.";
export const SECOND_CHUNK = "Your table for four is booked for seven tomorrow evening.";
export const menuText = (repeats: number): string => "Let me read you the whole menu, starting with the soups and the salads. ".repeat(repeats);

/** Waits for the simulator's messages to arrive: `check` retried every 10 ms for up to 4 s. */
export const waitFor = <T>(check: () => T): Promise<T> => vi.waitFor(check, { timeout: 4000, interval: 10 });

/** The simulator lays an utterance's words over the speech it detected: they must sit on the call clock there, in order. */
export function expectWordsAt(words: Word[], text: string, speechStartMs: number, s: Speech): void {
  expect(words.map((w) => w.word).join(" ")).toBe(text);
  expect(words[0]!.startMs).toBeGreaterThanOrEqual(speechStartMs - 60);
  expect(words[0]!.startMs).toBeLessThan(speechStartMs + 250);
  expect(words.at(-1)!.endMs).toBeGreaterThan(speechStartMs + s.durationMs - 300);
  expect(words.at(-1)!.endMs).toBeLessThanOrEqual(speechStartMs + s.durationMs + 60);
  for (let i = 1; i < words.length; i++) expect(words[i]!.startMs).toBeGreaterThanOrEqual(words[i - 1]!.endMs);
}

/**
 * Speaks FIRST_CHUNK then SECOND_CHUNK on a connected client and checks each chunk's audio arrived whole and in order,
 * each done before the next begins (`timeoutMs` for the last done).
 */
export async function speakTwoChunks(tts: Pick<TextToSpeech, "speak">, listener: TtsRecorder, timeoutMs = 4000): Promise<void> {
  tts.speak(1, FIRST_CHUNK);
  tts.speak(2, SECOND_CHUNK);
  const [first, second] = await Promise.all([speech(FIRST_CHUNK), speech(SECOND_CHUNK)]);
  await vi.waitFor(() => expect(listener.doneIds).toEqual([1, 2]), { timeout: timeoutMs, interval: 10 });
  expect(listener.shape).toEqual(["audio:1", "done:1", "audio:2", "done:2"]);
  expect(listener.bytes(1)).toBe(first.bytes.length);
  expect(listener.bytes(2)).toBe(second.bytes.length);
}
