import { DeepgramClient } from "@deepgram/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";
import { concatBytes, silenceMulaw, speechMulaw } from "./test-support.ts";

/**
 * The official SDK (v5) against the simulator. The SDK takes its hosts from `environment`: `production` is the
 * WebSocket base for listen/speak, `base` the REST base.
 */
let sim: DeepgramSimulator;
let client: DeepgramClient;
beforeAll(async () => {
  sim = await startDeepgramSimulator({ apiKeys: ["sdk-key"] });
  client = new DeepgramClient({ apiKey: "sdk-key", environment: { base: sim.url, production: sim.wsUrl, agent: sim.wsUrl, agentRest: sim.url } });
});
afterAll(() => sim.close());

type Message = { type?: string; [key: string]: unknown };

interface SdkSocket {
  on(event: "message", handler: (message: never) => void): void;
  on(event: "close", handler: (event: { code: number }) => void): void;
}

/** Records an SDK socket's messages in order; `until` resolves once `predicate` holds for them, `closed` with the close code. */
function recordMessages<M>(socket: SdkSocket): { messages: M[]; closed: Promise<number>; until: (predicate: () => boolean) => Promise<void> } {
  const messages: M[] = [];
  let wake: () => void = () => undefined;
  socket.on("message", (m: M) => {
    messages.push(m);
    wake();
  });
  const closed = new Promise<number>((resolve) => socket.on("close", (event) => resolve(event.code)));
  const until = (predicate: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      wake = () => predicate() && resolve();
      wake();
    });
  return { messages, closed, until };
}

describe("@deepgram/sdk against the simulator", () => {
  it("listen.v1: Results with speech_final, UtteranceEnd and Metadata reach the SDK's handlers", async () => {
    const text = "I would like to speak to someone about my bill.";
    sim.registry.expect("CA-sdk", text);
    const socket = await client.listen.v1.connect({
      model: "nova-3",
      encoding: "mulaw",
      sample_rate: 8000,
      interim_results: "true",
      endpointing: 300,
      utterance_end_ms: 1000,
      vad_events: "true",
      punctuate: "true",
      extra: "call_sid:CA-sdk",
      reconnectAttempts: 0,
    });
    const { messages, closed } = recordMessages<Message>(socket);
    socket.connect();
    await socket.waitForOpen();
    const audio = concatBytes((await speechMulaw(text)).bytes, silenceMulaw(1300));
    for (let i = 0; i < audio.length; i += 800) socket.sendMedia(audio.slice(i, i + 800));
    socket.sendKeepAlive({ type: "KeepAlive" });
    socket.sendFinalize({ type: "Finalize" });
    socket.sendCloseStream({ type: "CloseStream" });
    expect(await closed).toBe(1000);

    const types = messages.map((m) => m.type);
    expect(types[0]).toBe("SpeechStarted");
    expect(types).toContain("UtteranceEnd");
    expect(types.at(-1)).toBe("Metadata");
    const final = messages.find((m) => m.type === "Results" && m["speech_final"] === true) as { channel: { alternatives: { transcript: string }[] } } | undefined;
    expect(final?.channel.alternatives[0]?.transcript).toBe(text);
    expect(messages.some((m) => m.type === "Results" && m["from_finalize"] === true)).toBe(true);
    expect(sim.stats().listen.keepAlives).toBe(1);
  });

  it("listen.v2 (Flux): Connected, TurnInfo events and ConfigureSuccess reach the SDK's handlers; CloseStream ends the socket", async () => {
    const text = "I would like to move my appointment to Friday.";
    sim.registry.expect("CA-sdk-flux", text);
    const socket = await client.listen.v2.connect({
      model: "flux-general-en",
      encoding: "mulaw",
      sample_rate: 8000,
      eot_threshold: 0.7,
      eager_eot_threshold: 0.5,
      eot_timeout_ms: 5000,
      queryParams: { extra: "call_sid:CA-sdk-flux" },
      Authorization: "Token sdk-key",
      reconnectAttempts: 0,
    });
    const { messages, closed, until } = recordMessages<Message>(socket);
    socket.connect();
    await socket.waitForOpen();
    const audio = concatBytes((await speechMulaw(text)).bytes, silenceMulaw(600));
    for (let i = 0; i < audio.length; i += 640) socket.sendMedia(audio.slice(i, i + 640));
    await until(() => messages.some((m) => m["event"] === "EndOfTurn"));
    socket.sendConfigure({ type: "Configure", thresholds: { eot_threshold: 0.8 } });
    await until(() => messages.some((m) => m.type === "ConfigureSuccess"));
    socket.sendCloseStream({ type: "CloseStream" });
    await closed;

    expect(messages[0]).toMatchObject({ type: "Connected", sequence_id: 0 });
    const events = messages.filter((m) => m.type === "TurnInfo" && m["event"] !== "Update").map((m) => m["event"]);
    expect(events).toEqual(["StartOfTurn", "EagerEndOfTurn", "EndOfTurn"]);
    expect(messages.find((m) => m["event"] === "EndOfTurn")).toMatchObject({ transcript: text, turn_index: 0 });
    expect(messages.find((m) => m.type === "ConfigureSuccess")).toMatchObject({ thresholds: { eot_threshold: 0.8, eager_eot_threshold: 0.5 } });
  });

  it("speak.v1: Metadata, binary audio, Flushed, Cleared reach the SDK; Close ends the socket", async () => {
    const socket = await client.speak.v1.connect({ model: "aura-2-thalia-en", encoding: "mulaw", sample_rate: "8000", reconnectAttempts: 0 });
    const { messages, closed, until } = recordMessages<Message | Blob>(socket);
    const json = (): Message[] => messages.filter((m): m is Message => !(m instanceof Blob));
    socket.connect();
    await socket.waitForOpen();
    socket.sendText({ type: "Speak", text: "Hello from the simulator." });
    socket.sendFlush({ type: "Flush" });
    await until(() => json().some((m) => m.type === "Flushed"));
    socket.sendClear({ type: "Clear" });
    await until(() => json().some((m) => m.type === "Cleared"));
    socket.sendClose({ type: "Close" });
    expect(await closed).toBe(1000);

    expect(json()[0]).toMatchObject({ type: "Metadata", model_name: "aura-2-thalia-en" });
    const audio = messages.filter((m): m is Blob => m instanceof Blob);
    expect(audio.length).toBeGreaterThan(0);
    const bytes = (await Promise.all(audio.map((b) => b.arrayBuffer()))).reduce((n, b) => n + b.byteLength, 0);
    expect(bytes).toBeGreaterThan(8000);
    expect(json().find((m) => m.type === "Flushed")).toEqual({ type: "Flushed", sequence_id: 0 });
  });

  it("speak.v1.audio.generate (REST) returns the audio stream", async () => {
    const response = await client.speak.v1.audio.generate({ text: "Short answer.", model: "aura-2-thalia-en", encoding: "mulaw", sample_rate: 8000, container: "none" });
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(4000);
  });

  it("a wrong key surfaces as an SDK error", async () => {
    const bad = new DeepgramClient({ apiKey: "wrong", environment: { base: sim.url, production: sim.wsUrl, agent: sim.wsUrl, agentRest: sim.url }, maxRetries: 0 });
    await expect(bad.speak.v1.audio.generate({ text: "x", model: "aura-2-thalia-en" })).rejects.toMatchObject({ statusCode: 401 });
  });
});
