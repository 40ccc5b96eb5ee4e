import { afterEach, describe, expect, it, vi } from "vitest";
import { DeepgramTextToSpeech } from "./deepgram-tts.ts";
import { ProviderError } from "./provider-types.ts";
import { splitSpeakText } from "./speak-text.ts";
import { closedAfterEach, DEEPGRAM, dropNextSocket, FIRST_CHUNK as FIRST, menuText, SECOND_CHUNK as SECOND, speakTwoChunks, speech, waitFor } from "./testing/deepgram-sim.ts";
import { TtsRecorder } from "./testing/tts-recorder.ts";
import { FakeDeepgram, SocketProxy } from "./testing/socket-proxy.ts";

const open = closedAfterEach<DeepgramTextToSpeech>();
function client(opts: { fetcher?: typeof fetch; voice?: string } = {}) {
  const listener = new TtsRecorder();
  const tts = new DeepgramTextToSpeech({ baseUrl: DEEPGRAM.baseUrl(), apiKey: DEEPGRAM.apiKey(), config: { voice: opts.voice ?? "aura-2-thalia-en" }, listener, ...(opts.fetcher ? { fetcher: opts.fetcher } : {}) });
  open.push(tts);
  return { tts, listener };
}
afterEach(() => void vi.restoreAllMocks());

const LONG = menuText(5);

describe("DeepgramTextToSpeech against the simulator", () => {
  it("speaks two chunks: all audio of each, in order, then done", async () => {
    const proxy = new SocketProxy();
    const { tts, listener } = client({ fetcher: proxy.fetcher });
    await tts.connect();
    await speakTwoChunks(tts, listener);
    expect(tts.stats).toMatchObject({ characters: FIRST.length + SECOND.length, reconnects: 0, warnings: 0 });
    expect(proxy.sent("Speak")).toEqual([{ type: "Speak", text: FIRST }, { type: "Speak", text: SECOND }]);
    expect(proxy.sent("Flush")).toHaveLength(2);
    const query = new URL(proxy.urls[0]!).searchParams;
    expect(Object.fromEntries(query)).toEqual({ model: "aura-2-thalia-en", encoding: "mulaw", sample_rate: "8000" });
    expect(listener.failures).toEqual([]);
  });

  it("clear() mid-chunk: no more audio for it, and the next chunk still plays in full", async () => {
    const proxy = new SocketProxy();
    const { tts, listener } = client({ fetcher: proxy.fetcher });
    await tts.connect();
    listener.onAudio = (id) => {
      if (id !== 1) return;
      listener.onAudio = undefined;
      tts.clear(); // barge-in on the first audio of chunk 1
      tts.speak(2, SECOND);
    };
    tts.speak(1, LONG);
    const second = await speech(SECOND);
    await waitFor(() => expect(listener.doneIds).toEqual([2]));

    expect(listener.shape).toEqual(["audio:1", "audio:2", "done:2"]);
    expect(listener.events.filter((e) => e.kind === "audio" && e.id === 1)).toHaveLength(1);
    expect(listener.bytes(2)).toBe(second.bytes.length);
    expect(proxy.sent("Clear")).toHaveLength(1);
    expect(listener.failures).toEqual([]);
  });

  it("a speak socket lost mid-chunk (1005) is reopened and the chunk retried once, resuming where it was", async () => {
    const proxy = new SocketProxy();
    const { tts, listener } = client({ fetcher: proxy.fetcher });
    listener.onAudio = () => {
      listener.onAudio = undefined;
      proxy.cut();
    };
    tts.speak(1, SECOND);
    const second = await speech(SECOND);
    await waitFor(() => expect(listener.doneIds).toEqual([1]));

    expect(proxy.sockets).toBe(2);
    expect(tts.stats.reconnects).toBe(1);
    expect(proxy.sent("Speak")).toEqual([{ type: "Speak", text: SECOND }, { type: "Speak", text: SECOND }]);
    // Audio already delivered before the drop isn't delivered again: the chunk is exactly as long as it should be.
    expect(listener.bytes(1)).toBe(second.bytes.length);
    expect(listener.failures).toEqual([]);
  });

  it("a speak socket the server closes with 1011 is reopened and the chunk completes", async () => {
    const { tts, listener } = client();
    await dropNextSocket("speak", 0);
    tts.speak(1, FIRST);
    const first = await speech(FIRST);
    await waitFor(() => expect(listener.doneIds).toEqual([1]));
    expect(tts.stats.reconnects).toBe(1);
    expect(listener.bytes(1)).toBe(first.bytes.length);
    expect(listener.failures).toEqual([]);
  });

  it("a chunk whose retry is lost as well fails the speaker, which leaves the one error line to the pipeline", async () => {
    const errorLines = vi.spyOn(console, "error").mockImplementation(() => {});
    const proxy = new SocketProxy();
    const { tts, listener } = client({ fetcher: proxy.fetcher });
    let cuts = 0;
    listener.onAudio = () => {
      if (cuts < proxy.sockets) {
        cuts++;
        proxy.cut();
      }
    };
    tts.speak(1, SECOND);
    await waitFor(() => expect(listener.failures).toHaveLength(1));
    expect(listener.failures[0]).toMatchObject({ provider: "deepgram-tts", retryable: true });
    expect(listener.failures[0]!.message).toMatch(/closed twice while synthesising chunk 1/);
    expect(listener.doneIds).toEqual([]);
    expect(proxy.sockets).toBe(2);
    tts.speak(2, FIRST); // ignored after failure
    expect(proxy.sockets).toBe(2);
    // The listener reports the final error; the pipeline writes its `provider_failed` line (provider-failure.test.ts).
    expect(errorLines).not.toHaveBeenCalled();
  });

  it("an unknown voice fails with a clear, non-retryable error", async () => {
    const { tts, listener } = client({ voice: "aura-2-nobody-en" });
    const error = await tts.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: "deepgram-tts", retryable: false, status: 400 });
    expect((error as Error).message).toMatch(/voice "aura-2-nobody-en".*No such model/);
    expect(listener.failures).toEqual([error]);
  });
});

describe("DeepgramTextToSpeech protocol details", () => {
  it("splits long text into Speak messages sharing one Flush, drops stray audio", async () => {
    const fake = new FakeDeepgram();
    const { tts, listener } = client({ fetcher: fake.fetcher });
    await tts.connect();
    fake.send({ type: "Metadata", request_id: "r1", model_name: "aura-2-thalia-en" });
    fake.send({ type: "Brand new" });
    fake.send(new Uint8Array(10)); // audio with no chunk pending
    await waitFor(() => expect(tts.stats).toMatchObject({ unknownMessages: 1, droppedAudioBytes: 10 }));
    const text = "word ".repeat(500);
    tts.speak(7, text);
    tts.speak(8, "  ");
    await waitFor(() => expect(fake.received.at(-1)).toBe('{"type":"Flush"}'));
    const speaks = fake.received.map((m) => JSON.parse(m as string) as { type: string; text?: string }).filter((m) => m.type === "Speak");
    expect(speaks.length).toBe(2);
    expect(speaks.every((m) => m.text!.length <= 2000)).toBe(true);
    expect(speaks.map((m) => m.text).join("")).toBe(text);
    expect(listener.doneIds).toEqual([]); // the empty chunk waits for the one before it
    fake.send(new Uint8Array([1, 2, 3]));
    fake.send({ type: "Flushed", sequence_id: 0 });
    await waitFor(() => expect(listener.doneIds).toEqual([7, 8]));
    expect(listener.bytes(7)).toBe(3);
    expect(tts.stats).toMatchObject({ warnings: 0, unknownMessages: 1, droppedAudioBytes: 10, characters: text.length });
  });

  it("splitSpeakText cuts at whitespace within the limit and never splits a surrogate pair", () => {
    expect(splitSpeakText("aaa bbb ccc", 8)).toEqual(["aaa bbb ", "ccc"]);
    expect(splitSpeakText("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    expect(splitSpeakText("abc😀def", 4)).toEqual(["abc", "😀de", "f"]);
    expect(splitSpeakText("short")).toEqual(["short"]);
  });
});
