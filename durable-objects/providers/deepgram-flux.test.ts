import { describe, expect, it } from "vitest";
import { DeepgramFluxSpeechToText, type FluxSpeechToTextConfig } from "./deepgram-flux.ts";
import { ProviderError, type FluxTurnInfo, type SpeechToTextListener } from "./provider-types.ts";
import { DEEPGRAM, closedAfterEach, dropNextSocket, expectUtterance, expectWordsAt, sendFrames, silence, speech, uniqueCallSid, waitFor } from "./testing/deepgram-sim.ts";
import { SocketProxy } from "./testing/socket-proxy.ts";

type Transcript = Parameters<SpeechToTextListener["transcript"]>[0];

/** Every listener call, in order, so the tests can check the exact sequence a Flux stream produces. */
class Recorder implements SpeechToTextListener {
  readonly calls: string[] = [];
  readonly speechStarts: number[] = [];
  readonly transcripts: Transcript[] = [];
  readonly turns: FluxTurnInfo[] = [];
  readonly failures: ProviderError[] = [];
  speechStarted(audioMs: number): void {
    this.calls.push("speechStarted");
    this.speechStarts.push(audioMs);
  }
  transcript(t: Transcript): void {
    this.calls.push(t.isFinal ? "final" : "interim");
    this.transcripts.push(t);
  }
  utteranceEnd(): void {
    this.calls.push("utteranceEnd");
  }
  turnInfo(t: FluxTurnInfo): void {
    this.calls.push(t.event);
    this.turns.push(t);
  }
  failed(error: ProviderError): void {
    this.calls.push("failed");
    this.failures.push(error);
  }
  /** The turn events and speech starts, without the interims between them. */
  get turnCalls(): string[] {
    return this.calls.filter((c) => c !== "interim");
  }
}

const config = (callSid: string | null, over: Partial<FluxSpeechToTextConfig> = {}): FluxSpeechToTextConfig => ({
  model: "flux-general-en",
  language: "en",
  keyterms: ["Acme"],
  eotThreshold: 0.7,
  eagerEotThreshold: 0.5,
  eotTimeoutMs: 5000,
  callSid,
  ...over,
});

const open = closedAfterEach<DeepgramFluxSpeechToText>();
function client(callSid: string | null, opts: { fetcher?: typeof fetch; config?: Partial<FluxSpeechToTextConfig> } = {}) {
  const listener = new Recorder();
  const stt = new DeepgramFluxSpeechToText({ baseUrl: DEEPGRAM.baseUrl(), apiKey: DEEPGRAM.apiKey(), config: config(callSid, opts.config), listener, fetcher: opts.fetcher, keepAliveMs: 100 });
  open.push(stt);
  return { stt, listener };
}

const TEXT = "Hi, I would like to book a table for four people tomorrow evening.";
const SECOND = "Actually make that five people.";

describe("DeepgramFluxSpeechToText against the simulator", () => {
  it("one turn: speechStarted with StartOfTurn, Updates as growing interims, EagerEndOfTurn, then EndOfTurn with the same transcript, on the call clock", async () => {
    const callSid = uniqueCallSid("flux-one");
    await expectUtterance(callSid, TEXT);
    const s = await speech(TEXT);
    const proxy = new SocketProxy();
    const { stt, listener } = client(callSid, { fetcher: proxy.fetcher });
    sendFrames(stt, silence(700)); // buffered until the socket is open
    await stt.connect();
    sendFrames(stt, s.bytes, silence(800));
    await waitFor(() => expect(listener.turns.map((t) => t.event)).toContain("EndOfTurn"));

    expect(listener.turnCalls).toEqual(["speechStarted", "StartOfTurn", "EagerEndOfTurn", "EndOfTurn"]);
    expect(Math.abs(listener.speechStarts[0]! - 700)).toBeLessThanOrEqual(250);
    const interims = listener.transcripts;
    expect(interims.length).toBeGreaterThanOrEqual(3);
    for (const t of interims) expect(t).toMatchObject({ isFinal: false, speechFinal: false, fromFinalize: false });
    for (const t of interims) expect(TEXT.startsWith(t.text)).toBe(true);
    const [, eager, end] = listener.turns;
    expect(eager).toMatchObject({ event: "EagerEndOfTurn", turnIndex: 0, transcript: TEXT });
    expect(end).toMatchObject({ event: "EndOfTurn", turnIndex: 0, transcript: TEXT });
    expect(end!.endOfTurnConfidence).toBeGreaterThanOrEqual(0.7);
    expectWordsAt(end!.words, TEXT, 700, s);

    const query = new URL(proxy.urls[0]!);
    expect(query.pathname).toBe("/v2/listen");
    expect(Object.fromEntries(query.searchParams)).toEqual({
      model: "flux-general-en",
      encoding: "mulaw",
      sample_rate: "8000",
      eot_threshold: "0.7",
      eager_eot_threshold: "0.5",
      eot_timeout_ms: "5000",
      keyterm: "Acme",
      extra: `call_sid:${callSid}`,
    });
    expect(stt.stats).toMatchObject({ reconnects: 0, audioMsReplayed: 0, unknownMessages: 0, invalidMessages: 0 });
    expect(listener.failures).toEqual([]);
  });

  it("numbers turns across the call; without eager_eot_threshold there are no eager events", async () => {
    const callSid = uniqueCallSid("flux-two");
    await expectUtterance(callSid, TEXT);
    await expectUtterance(callSid, SECOND);
    const [s1, s2] = await Promise.all([speech(TEXT), speech(SECOND)]);
    const { stt, listener } = client(callSid, { config: { eagerEotThreshold: undefined } });
    await stt.connect();
    sendFrames(stt, silence(300), s1.bytes, silence(800), s2.bytes, silence(800));
    await waitFor(() => expect(listener.turns.filter((t) => t.event === "EndOfTurn")).toHaveLength(2));

    expect(listener.turnCalls).toEqual(["speechStarted", "StartOfTurn", "EndOfTurn", "speechStarted", "StartOfTurn", "EndOfTurn"]);
    const ends = listener.turns.filter((t) => t.event === "EndOfTurn");
    expect(ends.map((t) => [t.turnIndex, t.transcript])).toEqual([[0, TEXT], [1, SECOND]]);
    expectWordsAt(ends[1]!.words, SECOND, 300 + s1.durationMs + 800, s2);
  });

  it("a socket dropped mid-turn is reopened and replayed: the turn is delivered once, its words on the call clock", async () => {
    const callSid = uniqueCallSid("flux-drop");
    await expectUtterance(callSid, TEXT);
    const s = await speech(TEXT);
    const half = Math.floor((s.bytes.length * 0.6) / 160) * 160;
    const { stt, listener } = client(callSid);
    await dropNextSocket("flux", 400);
    await stt.connect();
    sendFrames(stt, silence(500), s.bytes.subarray(0, half));
    await waitFor(() => expect(stt.stats.audioMsReplayed).toBeGreaterThan(0));
    sendFrames(stt, s.bytes.subarray(half), silence(800));
    await waitFor(() => expect(listener.turns.map((t) => t.event)).toContain("EndOfTurn"));

    expect(stt.stats.reconnects).toBe(1);
    expect(stt.stats.duplicatesDropped).toBeGreaterThanOrEqual(1); // the replacement's StartOfTurn for the same turn
    expect(listener.turnCalls).toEqual(["speechStarted", "StartOfTurn", "EagerEndOfTurn", "EndOfTurn"]);
    const end = listener.turns.at(-1)!;
    expect(end).toMatchObject({ turnIndex: 0, transcript: TEXT });
    expectWordsAt(end.words, TEXT, 500, s);
    expect(listener.failures).toEqual([]);
  });

  it("keepAlive() sends nothing (Flux has no KeepAlive); finalize() sends ForceEndTurn, which ends the turn; close() sends CloseStream", async () => {
    const callSid = uniqueCallSid("flux-force");
    await expectUtterance(callSid, TEXT);
    const s = await speech(TEXT);
    const proxy = new SocketProxy();
    const { stt, listener } = client(callSid, { fetcher: proxy.fetcher });
    await stt.connect();
    stt.keepAlive();
    sendFrames(stt, silence(300), s.bytes.subarray(0, Math.floor(s.bytes.length / 2 / 160) * 160));
    await waitFor(() => expect(listener.transcripts.length).toBeGreaterThan(0));
    stt.finalize();
    await waitFor(() => expect(listener.turns.map((t) => t.event)).toContain("EndOfTurn"));
    expect(TEXT.startsWith(listener.turns.at(-1)!.transcript)).toBe(true);
    await stt.close();

    expect(proxy.sentText.map((t) => (JSON.parse(t) as { type: string }).type)).toEqual(["ForceEndTurn", "CloseStream"]);
    expect(stt.stats).toMatchObject({ keepAlives: 0, reconnects: 0 });
    expect(proxy.sockets).toBe(1);
    expect(listener.failures).toEqual([]);
  });

  it("parameters Deepgram refuses fail at once with a non-retryable 400", async () => {
    const { stt, listener } = client(null, { config: { eotThreshold: 0.6, eagerEotThreshold: 0.8 } });
    await expect(stt.connect()).rejects.toMatchObject({ name: "ProviderError", status: 400, retryable: false });
    expect(listener.failures[0]?.message).toContain("eager_eot_threshold");
  });
});
