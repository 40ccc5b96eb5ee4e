import { describe, expect, it } from "vitest";
import type { Word } from "../pipeline/frames.ts";
import { DeepgramSpeechToText } from "./deepgram-stt.ts";
import { listenQuery } from "./deepgram-listen-query.ts";
import { RECONNECT_DELAYS_MS } from "./deepgram-socket.ts";
import { ProviderError, type SpeechToTextConfig, type SpeechToTextListener } from "./provider-types.ts";
import { DEEPGRAM, closedAfterEach, dropNextSocket, expectUtterance, expectWordsAt, sendFrames, silence, speech, uniqueCallSid, waitFor } from "./testing/deepgram-sim.ts";
import { FakeDeepgram, SocketProxy } from "./testing/socket-proxy.ts";

type Transcript = Parameters<SpeechToTextListener["transcript"]>[0];

class Recorder implements SpeechToTextListener {
  readonly speechStarts: number[] = [];
  readonly transcripts: Transcript[] = [];
  readonly utteranceEnds: number[] = [];
  readonly failures: ProviderError[] = [];
  speechStarted(audioMs: number): void {
    this.speechStarts.push(audioMs);
  }
  transcript(t: Transcript): void {
    this.transcripts.push(t);
  }
  utteranceEnd(lastWordEndAudioMs: number): void {
    this.utteranceEnds.push(lastWordEndAudioMs);
  }
  failed(error: ProviderError): void {
    this.failures.push(error);
  }
  get finals(): Transcript[] {
    return this.transcripts.filter((t) => t.isFinal && t.words.length > 0);
  }
  get finalWords(): Word[] {
    return this.finals.flatMap((t) => t.words);
  }
  get interims(): Transcript[] {
    return this.transcripts.filter((t) => !t.isFinal && t.words.length > 0);
  }
}

const config = (callSid: string | null, over: Partial<SpeechToTextConfig> = {}): SpeechToTextConfig => ({
  model: "nova-3",
  language: "en",
  keyterms: ["Acme", "refund"],
  endpointingMs: 300,
  utteranceEndMs: 1000,
  callSid,
  ...over,
});

const open = closedAfterEach<DeepgramSpeechToText>();
function client(callSid: string | null, opts: { fetcher?: typeof fetch; apiKey?: string; keepAliveMs?: number; batchMs?: number } = {}) {
  const listener = new Recorder();
  const stt = new DeepgramSpeechToText({ baseUrl: DEEPGRAM.baseUrl(), apiKey: opts.apiKey ?? DEEPGRAM.apiKey(), config: config(callSid), listener, ...opts });
  open.push(stt);
  return { stt, listener };
}

const TEXT = "Hi, I would like to book a table for four people tomorrow evening.";
const SECOND = "Actually make that five people, and one of them needs a high chair.";

describe("DeepgramSpeechToText against the simulator", () => {
  it("streams one utterance: speech started, growing interims, one speech_final on the call clock, utterance end", async () => {
    const callSid = uniqueCallSid("one");
    await expectUtterance(callSid, TEXT);
    const s = await speech(TEXT);
    const proxy = new SocketProxy();
    const { stt, listener } = client(callSid, { fetcher: proxy.fetcher });
    // Audio sent before the socket is open is buffered, not lost.
    sendFrames(stt, silence(700));
    await stt.connect();
    sendFrames(stt, s.bytes, silence(1500));
    await waitFor(() => expect(listener.utteranceEnds).toHaveLength(1));

    expect(listener.speechStarts).toHaveLength(1);
    expect(Math.abs(listener.speechStarts[0]! - 700)).toBeLessThanOrEqual(60);
    expect(listener.interims.length).toBeGreaterThanOrEqual(2);
    for (const t of listener.interims) expect(TEXT.startsWith(t.text)).toBe(true);
    const speechFinals = listener.transcripts.filter((t) => t.speechFinal);
    expect(speechFinals).toHaveLength(1);
    expect(speechFinals[0]).toMatchObject({ isFinal: true, fromFinalize: false, text: TEXT });
    expectWordsAt(listener.finalWords, TEXT, 700, s);
    expect(listener.utteranceEnds[0]).toBe(listener.finalWords.at(-1)!.endMs);

    expect(stt.stats).toMatchObject({ reconnects: 0, audioMsReplayed: 0, unknownMessages: 0, invalidMessages: 0 });
    expect(stt.stats.audioMsSent).toBe(700 + s.bytes.length / 8 + 1500);
    expect(Math.min(...proxy.sentBinarySizes)).toBeGreaterThan(0);
    const query = new URL(proxy.urls[0]!).searchParams;
    expect(query.get("extra")).toBe(`call_sid:${callSid}`);
    expect(query.getAll("keyterm")).toEqual(["Acme", "refund"]);
    expect(listener.failures).toEqual([]);
  });

  it("a socket the server closes with 1011 mid-utterance is reopened, replayed, and the utterance delivered once", async () => {
    const callSid = uniqueCallSid("drop");
    await expectUtterance(callSid, TEXT);
    const s = await speech(TEXT);
    const half = Math.floor((s.bytes.length * 0.6) / 160) * 160;
    const { stt, listener } = client(callSid);
    await dropNextSocket("listen", 400);
    await stt.connect();
    sendFrames(stt, silence(500), s.bytes.subarray(0, half));
    await waitFor(() => expect(listener.interims.length).toBeGreaterThan(0));
    expect(stt.stats.reconnects).toBe(0); // the drop comes mid-utterance, after the words started arriving
    await waitFor(() => expect(stt.stats.audioMsReplayed).toBeGreaterThan(0));
    sendFrames(stt, s.bytes.subarray(half), silence(1500));
    await waitFor(() => expect(listener.utteranceEnds).toHaveLength(1));

    expect(stt.stats.reconnects).toBe(1);
    // Nothing was final before the drop, so everything since the stream began was replayed.
    expect(stt.stats.audioMsReplayed).toBe(500 + half / 8);
    expect(listener.transcripts.filter((t) => t.speechFinal)).toHaveLength(1);
    expectWordsAt(listener.finalWords, TEXT, 500, s);
    expect(listener.speechStarts).toHaveLength(1);
    expect(listener.failures).toEqual([]);
  });

  it("survives a 1005 close (workerd#6774) after a final: replays only unfinalised audio, no word twice", async () => {
    const callSid = uniqueCallSid("1005");
    await expectUtterance(callSid, TEXT);
    await expectUtterance(callSid, SECOND);
    const [s1, s2] = await Promise.all([speech(TEXT), speech(SECOND)]);
    const half = Math.floor(s2.bytes.length / 2 / 160) * 160;
    const proxy = new SocketProxy();
    const { stt, listener } = client(callSid, { fetcher: proxy.fetcher });
    await stt.connect();
    sendFrames(stt, silence(500), s1.bytes, silence(1500), s2.bytes.subarray(0, half));
    await waitFor(() => expect(listener.utteranceEnds).toHaveLength(1));
    await waitFor(() => expect(listener.interims.some((t) => SECOND.startsWith(t.text))).toBe(true));
    const firstFinalEnd = listener.finalWords.at(-1)!.endMs;
    proxy.cut();
    await waitFor(() => expect(stt.stats.audioMsReplayed).toBeGreaterThan(0));
    sendFrames(stt, s2.bytes.subarray(half), silence(1500));
    await waitFor(() => expect(listener.utteranceEnds).toHaveLength(2));

    expect(proxy.sockets).toBe(2);
    expect(proxy.urls[1]).toBe(proxy.urls[0]);
    expect(stt.stats.reconnects).toBe(1);
    // The replay starts where the first utterance's final ended, not at the start of the stream.
    const cutAtMs = 500 + s1.bytes.length / 8 + 1500 + half / 8;
    expect(stt.stats.audioMsReplayed).toBeLessThan(cutAtMs - firstFinalEnd + 1);
    expect(stt.stats.audioMsReplayed).toBeGreaterThan(half / 8);
    expect(listener.finals.map((t) => t.text).join(" ")).toBe(`${TEXT} ${SECOND}`);
    expect(listener.transcripts.filter((t) => t.speechFinal)).toHaveLength(2);
    const secondStartMs = 500 + s1.bytes.length / 8 + 1500;
    expectWordsAt(listener.finalWords.filter((w) => w.startMs >= secondStartMs - 100), SECOND, secondStartMs, s2);
    expect(listener.speechStarts).toHaveLength(2);
    expect(Math.abs(listener.speechStarts[1]! - secondStartMs)).toBeLessThanOrEqual(60);
    expect(listener.failures).toEqual([]);
  });

  it("Finalize flushes with from_finalize; close() sends CloseStream and ends without reconnecting", async () => {
    const callSid = uniqueCallSid("fin");
    await expectUtterance(callSid, "Yes please.");
    const s = await speech("Yes please.");
    const proxy = new SocketProxy();
    const { stt, listener } = client(callSid, { fetcher: proxy.fetcher });
    await stt.connect();
    sendFrames(stt, silence(300), s.bytes, silence(100));
    stt.finalize();
    await waitFor(() => expect(listener.transcripts.filter((t) => t.fromFinalize && t.words.length > 0)).toHaveLength(1));
    expect(listener.finals.map((t) => t.text)).toEqual(["Yes please."]);
    await stt.close();
    expect(proxy.sent("CloseStream")).toHaveLength(1);
    stt.sendAudio(silence(20)); // ignored once closed
    expect(stt.stats.reconnects).toBe(0);
    expect(proxy.sockets).toBe(1);
    expect(listener.failures).toEqual([]);
  });

  it("reopens a lost socket within a second and replays the audio sent meanwhile on the new one", async () => {
    const proxy = new SocketProxy();
    const { stt, listener } = client(null, { fetcher: proxy.fetcher });
    await stt.connect();
    sendFrames(stt, silence(400));
    await waitFor(() => expect(proxy.sentBinarySizes.length).toBeGreaterThan(0));
    proxy.cut();
    sendFrames(stt, silence(200)); // the caller keeps talking while the socket is down
    await waitFor(() => expect(proxy.sockets).toBe(2));
    await waitFor(() => expect(stt.stats.audioMsReplayed).toBeGreaterThan(0));
    // Within a second: reopened by its first attempt (one new socket, one reconnect), which waits the schedule's
    // first delay; measured from the schedule, not from a busy machine's wall clock.
    expect(RECONNECT_DELAYS_MS[0]).toBeLessThan(1000);
    expect(proxy.sockets).toBe(2);
    expect(stt.stats.reconnects).toBe(1);
    expect(stt.stats.audioMsSent).toBeGreaterThanOrEqual(600); // nothing was final: all of it went out again
    expect(listener.failures).toEqual([]);
  });

  it("sends KeepAlive while no audio flows", async () => {
    const proxy = new SocketProxy();
    const { stt } = client(null, { fetcher: proxy.fetcher, keepAliveMs: 150 });
    await stt.connect();
    sendFrames(stt, silence(100)); // Deepgram wants some audio before KeepAlive holds a fresh socket open
    await waitFor(() => expect(proxy.sent("KeepAlive").length).toBeGreaterThanOrEqual(2));
    expect(stt.stats.keepAlives).toBe(proxy.sent("KeepAlive").length);
  });

  it("a wrong API key fails at once with a non-retryable ProviderError", async () => {
    let attempts = 0;
    const fetcher: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const { stt, listener } = client(uniqueCallSid("auth"), { apiKey: "wrong-key", fetcher });
    const error = await stt.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: "deepgram-stt", retryable: false, status: 401 });
    expect((error as Error).message).toMatch(/Invalid credentials/);
    expect((error as Error).message).not.toContain("wrong-key");
    expect(listener.failures).toEqual([error]);
    expect(attempts).toBe(1);
  });
});

describe("DeepgramSpeechToText protocol details", () => {
  it("ignores and counts unknown or malformed messages, and maps times from the socket's start", async () => {
    const fake = new FakeDeepgram();
    const { stt, listener } = client(null, { fetcher: fake.fetcher });
    sendFrames(stt, silence(1000));
    await stt.connect();
    fake.send({ type: "SomethingNew", x: 1 });
    fake.send({ type: "Results", is_final: "yes" });
    fake.send("not json");
    fake.send({ type: "SpeechStarted", channel: [0, 1], timestamp: 0.25 });
    fake.send({ type: "Results", start: 0, duration: 1, is_final: true, speech_final: true, channel: { alternatives: [{ transcript: "hello", words: [{ word: "hello", start: 0.3, end: 0.6 }] }] } });
    await waitFor(() => expect(listener.finals).toHaveLength(1));
    expect(stt.stats).toMatchObject({ unknownMessages: 1, invalidMessages: 2 });
    expect(listener.speechStarts).toEqual([250]);
    expect(listener.finals[0]).toMatchObject({ text: "hello", words: [{ word: "hello", startMs: 300, endMs: 600 }], speechFinal: true, fromFinalize: false });
    expect(fake.received.filter((m) => typeof m !== "string").reduce((n, m) => n + (m as ArrayBuffer).byteLength, 0)).toBe(8000);
  });

  it("after a reconnect, maps the new socket's times from the replay start and drops words already final", async () => {
    const fake = new FakeDeepgram();
    const { stt, listener } = client(null, { fetcher: fake.fetcher });
    await stt.connect();
    sendFrames(stt, silence(1000));
    const results = (start: number, duration: number, words: [string, number, number][]) => ({
      type: "Results",
      start,
      duration,
      is_final: true,
      speech_final: false,
      channel: { alternatives: [{ transcript: words.map((w) => w[0]).join(" "), words: words.map(([word, s, e]) => ({ word, start: s, end: e })) }] },
    });
    // A final span that ends (0.5 s) before its last word does: the audio from 500 ms on is kept for replay.
    fake.send(results(0, 0.5, [["hello", 0.3, 0.6]]));
    await waitFor(() => expect(listener.finals).toHaveLength(1));
    fake.server!.close(1011, "NET-0000");
    await waitFor(() => expect(fake.urls).toHaveLength(2));
    await waitFor(() => expect(stt.stats.audioMsReplayed).toBe(500));
    // The new socket's clock starts at 500 ms: "hello" again at 500–600 is a duplicate, "world" is new.
    fake.send(results(0, 0.52, [["hello", 0, 0.1], ["world", 0.2, 0.5]]));
    await waitFor(() => expect(listener.finals).toHaveLength(2));
    expect(listener.finals[1]).toMatchObject({ text: "world", words: [{ word: "world", startMs: 700, endMs: 1000 }] });
    expect(stt.stats).toMatchObject({ reconnects: 1, duplicatesDropped: 1 });
  });

  it("batches quiet audio, but never holds speech or the silence that ends it; Finalize and CloseStream flush a batch", async () => {
    const fake = new FakeDeepgram();
    const { stt } = client(null, { fetcher: fake.fetcher, batchMs: 80 });
    await stt.connect();
    let appendedMs = 0;
    /** Feeds `ms` of audio frame by frame; returns how far behind the wire each frame left it. */
    const feed = (ms: number, byte: number): number[] => {
      const behind: number[] = [];
      for (let i = 0; i < ms / 20; i++) {
        stt.sendAudio(new Uint8Array(160).fill(byte));
        appendedMs += 20;
        behind.push(appendedMs - stt.stats.audioMsSent);
      }
      return behind;
    };
    expect(Math.max(...feed(2000, 0xff))).toBe(60); // line silence: 80 ms batches
    expect(feed(600, 0x00)).toEqual(new Array(30).fill(0)); // speech: every frame at once
    // The silence after speech, through endpointing (300 ms) and utterance end (1,000 ms) plus slack: every frame at once.
    expect(feed(1200, 0xff)).toEqual(new Array(60).fill(0));
    expect(Math.max(...feed(400, 0xff))).toBe(60); // then batched again
    feed(40, 0xff);
    stt.finalize();
    feed(40, 0xff);
    await stt.close();
    const sizes = fake.received.map((m) => (typeof m === "string" ? JSON.parse(m).type : (m as ArrayBuffer).byteLength));
    expect(sizes.slice(0, 26)).toEqual([...new Array(25).fill(640), 160]);
    expect(sizes.slice(-4)).toEqual([320, "Finalize", 320, "CloseStream"]);
    expect(fake.received.filter((m) => typeof m !== "string").reduce((n, m) => n + (m as ArrayBuffer).byteLength, 0)).toBe(appendedMs * 8);
  });

  it("builds the listen query; keyterms only for Nova-3", () => {
    const q = listenQuery(config("CA1", { model: "nova-3-general" }));
    expect(Object.fromEntries(q)).toMatchObject({ model: "nova-3-general", language: "en", encoding: "mulaw", sample_rate: "8000", channels: "1", interim_results: "true", endpointing: "300", utterance_end_ms: "1000", vad_events: "true", smart_format: "true", punctuate: "true", extra: "call_sid:CA1" });
    expect(q.getAll("keyterm")).toEqual(["Acme", "refund"]);
    const nova2 = listenQuery(config(null, { model: "nova-2-phonecall" }));
    expect(nova2.getAll("keyterm")).toEqual([]);
    expect(nova2.has("extra")).toBe(false);
  });
});
