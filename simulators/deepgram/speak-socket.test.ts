import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { synthesizeSpeech } from "../common/speech-audio.ts";
import { decodeMulaw } from "../../shared/audio/mulaw.ts";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";
import { authHeaders, RecordingClient } from "./test-support.ts";

const SPEAK = "/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000";
const SENTENCE = "Thanks for calling. Your table for four is booked for seven tonight.";

let sim: DeepgramSimulator;
beforeAll(async () => {
  sim = await startDeepgramSimulator({});
});
afterAll(() => sim.close());

const open = async (path = SPEAK, target = sim): Promise<RecordingClient> => {
  const c = new RecordingClient(`${target.wsUrl}${path}`, { headers: authHeaders() });
  await c.opened;
  return c;
};
const audioBytes = (c: RecordingClient): number => c.received.binary.reduce((n, b) => n + b.length, 0);
/** Samples the synthesizer produces for `text` (tone fallback or espeak-ng, whichever this machine has). */
const samples = async (text: string, sampleRate = 8000): Promise<number> => (await synthesizeSpeech(text, { sampleRate })).pcm.length;

describe("speak WebSocket", () => {
  it("sends Metadata on connect, then audio for a Flush followed by Flushed", async () => {
    const c = new RecordingClient(`${sim.wsUrl}${SPEAK}`, { headers: authHeaders() });
    const requestId = await new Promise<string>((resolve) => c.ws.once("upgrade", (res) => resolve(String(res.headers["dg-request-id"]))));
    const meta = await c.waitFor((m) => m["type"] === "Metadata");
    expect(meta).toMatchObject({ request_id: requestId, model_name: "aura-2-thalia-en", model_version: expect.any(String), model_uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });

    c.sendJson({ type: "Speak", text: "Thanks for calling. " });
    c.sendJson({ type: "Speak", text: "Your table for four is booked for seven tonight." });
    c.sendJson({ type: "Flush" });
    const flushed = await c.waitFor((m) => m["type"] === "Flushed");
    expect(flushed).toEqual({ type: "Flushed", sequence_id: 0 });
    // Audio length follows the text at a natural speaking rate (8000 μ-law bytes per second).
    expect(audioBytes(c)).toBe(await samples(SENTENCE));
    const kinds = c.received.times.map((t) => t.kind);
    expect(kinds.lastIndexOf("binary")).toBeLessThan(kinds.lastIndexOf("json"));
    expect(c.received.binary.length).toBeGreaterThan(10);
    // It is speech-level audio, not silence.
    const pcm = decodeMulaw(new Uint8Array(Buffer.concat(c.received.binary)));
    const rms = Math.sqrt(pcm.reduce((n, s) => n + s * s, 0) / pcm.length);
    expect(rms).toBeGreaterThan(1000);

    c.sendJson({ type: "Speak", text: "Anything else?" });
    c.sendJson({ type: "Flush" });
    expect(await c.waitFor((m) => m["type"] === "Flushed" && m["sequence_id"] === 1)).toBeTruthy();
    c.ws.close();
  });

  it("defaults to linear16 at 24 kHz", async () => {
    const c = await open("/v1/speak?model=aura-2-andromeda-en");
    c.sendJson({ type: "Speak", text: "Hello there." });
    c.sendJson({ type: "Flush" });
    await c.waitFor((m) => m["type"] === "Flushed");
    expect(audioBytes(c)).toBe(2 * (await samples("Hello there.", 24000)));
    c.ws.close();
  });

  it("Clear stops audio in flight, drops queued flushes and answers Cleared", async () => {
    const paced = await startDeepgramSimulator({ speakRealtimeFactor: 4, speakFrameMs: 40 });
    const c = await open(SPEAK, paced);
    const long = "This answer is long enough that it takes a good while to stream out, even faster than real time.";
    c.sendJson({ type: "Speak", text: long });
    c.sendJson({ type: "Flush" });
    c.sendJson({ type: "Speak", text: "And this one is queued behind it." });
    c.sendJson({ type: "Flush" });
    await vi.waitFor(() => expect(audioBytes(c)).toBeGreaterThan(0), { timeout: 5000, interval: 5 });
    c.sendJson({ type: "Clear" });
    const cleared = await c.waitFor((m) => m["type"] === "Cleared");
    expect(cleared).toEqual({ type: "Cleared", sequence_id: 1 });
    const bytesAtClear = audioBytes(c);
    expect(bytesAtClear).toBeGreaterThan(0);
    expect(bytesAtClear).toBeLessThan((await samples(long)) / 2);
    expect(c.ofType("Flushed")).toEqual([]);
    expect(paced.stats().speak.clears).toBe(1);

    c.sendJson({ type: "Speak", text: "Starting over." });
    c.sendJson({ type: "Flush" });
    expect(await c.waitFor((m) => m["type"] === "Flushed")).toEqual({ type: "Flushed", sequence_id: 2 });
    // Nothing of the cleared answer came after the Clear: all audio since is the new line's.
    expect(audioBytes(c) - bytesAtClear).toBe(await samples("Starting over."));
    c.ws.close();
    await paced.close();
  });

  it("Close flushes buffered text, then closes 1000", async () => {
    const c = await open();
    c.sendJson({ type: "Speak", text: "Goodbye now." });
    c.sendJson({ type: "Close" });
    expect(await c.closed).toEqual({ code: 1000, reason: "" });
    expect(audioBytes(c)).toBe(await samples("Goodbye now."));
  });

  it("closes 1009 BIG-0001 on a Speak over 2000 characters, and takes one of exactly 2000", async () => {
    const c = await open();
    c.sendJson({ type: "Speak", text: "a".repeat(2000) });
    c.sendJson({ type: "Speak", text: "a".repeat(2001) });
    expect(await c.closed).toEqual({ code: 1009, reason: "BIG-0001" });
    expect(c.ofType("Warning")).toEqual([]);
  });

  it("warns with CHARACTER_LIMIT_EXCEEDED past 12,000 characters in two minutes and discards that text", async () => {
    const c = await open();
    const chunk = "word ".repeat(400); // 2000 characters, the most one Speak may carry
    for (let i = 0; i < 6; i++) c.sendJson({ type: "Speak", text: chunk });
    c.sendJson({ type: "Clear" }); // drop the 12,000 buffered characters unspoken; they still count
    await c.waitFor((m) => m["type"] === "Cleared");
    expect(c.ofType("Warning")).toHaveLength(0);
    c.sendJson({ type: "Speak", text: "One more." });
    const warning = await c.waitFor((m) => m["type"] === "Warning");
    expect(warning).toMatchObject({ code: "CHARACTER_LIMIT_EXCEEDED", description: expect.stringContaining("12000 characters in 2 minutes") });
    c.sendJson({ type: "Flush" });
    await c.waitFor((m) => m["type"] === "Flushed");
    expect(audioBytes(c)).toBe(0);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.ws.close();
  });

  it("warns when more than 20 Flushes arrive within a minute", async () => {
    const c = await open();
    for (let i = 0; i < 21; i++) c.sendJson({ type: "Flush" });
    const warning = await c.waitFor((m) => m["type"] === "Warning");
    expect(warning["code"]).toBe("FLUSH_LIMIT_EXCEEDED");
    await c.waitFor((m) => m["type"] === "Flushed" && m["sequence_id"] === 19);
    // The socket answers in order: once Cleared is back, a Flushed for the 21st Flush would have come before it.
    c.sendJson({ type: "Clear" });
    await c.waitFor((m) => m["type"] === "Cleared");
    expect(c.ofType("Flushed")).toHaveLength(20);
    c.ws.close();
  });

  it.each([
    ["a binary frame", (ws: WebSocket) => ws.send(Buffer.from([1, 2, 3])), { code: 1003, reason: "MESSAGE-0000" }],
    ["text that is not JSON", (ws: WebSocket) => ws.send("hello"), { code: 1008, reason: "DATA-0000" }],
    ["an unknown command", (ws: WebSocket) => ws.send(JSON.stringify({ type: "Reset" })), { code: 1008, reason: "DATA-0000" }],
    ["Speak without text", (ws: WebSocket) => ws.send(JSON.stringify({ type: "Speak" })), { code: 1008, reason: "DATA-0000" }],
  ])("closes on %s", async (_label, send, expected) => {
    const c = await open();
    send(c.ws);
    expect(await c.closed).toEqual(expected);
  });

  it.each([
    ["/v1/speak?model=aura-2-nobody-en", 400],
    ["/v1/speak?model=aura-2-thalia-en&encoding=mp3", 400],
    ["/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=24000", 400],
    ["/v1/speak?model=aura-2-thalia-en&encoding=linear16&sample_rate=44100", 400],
  ])("rejects the handshake for %s", async (path, status) => {
    const c = new RecordingClient(`${sim.wsUrl}${path}`, { headers: authHeaders() });
    await expect(c.opened).rejects.toThrow(`HTTP ${status}`);
  });

  it("rejects a missing key with 401", async () => {
    const c = new RecordingClient(`${sim.wsUrl}${SPEAK}`);
    await expect(c.opened).rejects.toThrow("HTTP 401");
  });

  it("counts what happened", async () => {
    const s = sim.stats().speak;
    expect(s.socketsOpened).toBeGreaterThan(5);
    expect(s.flushes).toBeGreaterThan(20);
    expect(s.warnings).toBeGreaterThanOrEqual(2);
    expect(s.oversizedSpeakCloses).toBe(1);
    expect(s.audioBytesSent).toBeGreaterThan(0);
    expect(s.rejectedHandshakes).toBeGreaterThanOrEqual(5);
  });
});
